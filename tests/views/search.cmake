# The verdict and the support person's path from an id to a replay.
meshdeck_add_test(NAME tst_verdict LABEL gui
  SOURCES tst_verdict.cpp
  LIBRARIES meshdeck_views Qt6::Widgets)
meshdeck_add_test(NAME tst_support_scenario LABEL gui
  SOURCES tst_support_scenario.cpp
  LIBRARIES meshdeck_console_wiring meshdeck_testbroker Qt6::Widgets nlohmann_json::nlohmann_json)
