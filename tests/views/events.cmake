meshdeck_add_test(NAME tst_events_page LABEL gui
  SOURCES tst_events_page.cpp
  LIBRARIES meshdeck_views meshdeck_testbroker Qt6::Widgets)
