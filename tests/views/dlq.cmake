meshdeck_add_test(NAME tst_dead_letters_page LABEL gui
  SOURCES tst_dead_letters_page.cpp
  LIBRARIES meshdeck_views meshdeck_testbroker Qt6::Widgets nlohmann_json::nlohmann_json)
