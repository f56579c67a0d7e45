# The Events page (included by views/CMakeLists.txt; paths relative to views/).
target_sources(meshdeck_views PRIVATE
  events/event_filter.cpp
  events/event_table_model.cpp
  events/json_highlighter.cpp
  events/events_page.cpp
)
