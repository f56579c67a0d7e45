meshdeck_add_test(NAME tst_consumer_editor LABEL gui
  SOURCES tst_consumer_editor.cpp
  LIBRARIES meshdeck_views meshdeck_testbroker Qt6::Widgets nlohmann_json::nlohmann_json)
meshdeck_add_test(NAME tst_table_export LABEL gui
  SOURCES tst_table_export.cpp
  LIBRARIES meshdeck_views Qt6::Widgets)
