# The Sources page and its playground (included by views/CMakeLists.txt; paths
# relative to views/).
target_sources(meshdeck_views PRIVATE
  sources/source_table_model.cpp
  sources/test_item_model.cpp
  sources/source_playground.cpp
  sources/sources_page.cpp
)
