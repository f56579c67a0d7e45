# The console's shared look for states: one palette (light and dark), legends,
# and the banner over stale numbers (included by views/CMakeLists.txt).
target_sources(meshdeck_views PRIVATE
  style/severity.cpp
  style/legend_widget.cpp
  style/offline_banner.cpp
  style/column_fit.cpp
)
