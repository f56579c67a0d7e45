# The Flow map page (included by views/CMakeLists.txt; paths relative to views/).
target_sources(meshdeck_views PRIVATE
  flow/flow_layout.cpp
  flow/flow_view.cpp
  flow/flow_page.cpp
)
