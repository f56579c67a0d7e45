# The Quarantine page (included by views/CMakeLists.txt; paths relative to views/).
target_sources(meshdeck_views PRIVATE
  quarantine/rejected_input.cpp
  quarantine/quarantine_page.cpp
)
