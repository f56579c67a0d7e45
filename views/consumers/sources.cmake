target_sources(meshdeck_views PRIVATE
  consumers/consumer_table_model.cpp
  consumers/consumers_page.cpp
  consumers/replay_dialog.cpp
  dlq/dead_letters_page.cpp
  dlq/edit_payload_dialog.cpp
  trace/trace_page.cpp
  trace/waterfall.cpp
)
