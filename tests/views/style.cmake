meshdeck_add_test(NAME tst_severity LABEL gui
  SOURCES tst_severity.cpp
  LIBRARIES meshdeck_views meshdeck_testbroker Qt6::Widgets nlohmann_json::nlohmann_json)
