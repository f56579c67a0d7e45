meshdeck_add_test(NAME tst_catalog_page LABEL gui
  SOURCES tst_catalog_page.cpp
  LIBRARIES meshdeck_views meshdeck_testbroker Qt6::Widgets)
