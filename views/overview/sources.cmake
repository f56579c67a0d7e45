# The Overview page (included by views/CMakeLists.txt; paths relative to views/).
target_sources(meshdeck_views PRIVATE
  overview/prometheus_text.cpp
  overview/mesh_history.cpp
  overview/overview_page.cpp
)
