# The Dead letters page (included by views/CMakeLists.txt; paths relative to views/).
target_sources(meshdeck_views PRIVATE
  dlq/dead_letter_table.cpp
  dlq/dead_letters_page.cpp
  dlq/edit_payload_dialog.cpp
  dlq/replay_outcome.cpp
  dlq/replay_preview.cpp
)
