# The Consumers page (included by views/CMakeLists.txt; paths relative to views/).
target_sources(meshdeck_views PRIVATE
  consumers/consumer_editor.cpp
  consumers/consumer_table_model.cpp
  consumers/consumers_page.cpp
  consumers/replay_dialog.cpp
)
