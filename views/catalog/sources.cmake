target_sources(meshdeck_views PRIVATE
  catalog/json_text.cpp
  catalog/catalog_model.cpp
  catalog/catalog_page.cpp)
