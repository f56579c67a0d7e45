# The Trace page (included by views/CMakeLists.txt; paths relative to views/).
target_sources(meshdeck_views PRIVATE
  trace/trace_page.cpp
  trace/waterfall.cpp
  trace/verdict.cpp
  trace/verdict_panel.cpp
)
