# Vendor sources: verifying and reading vendor webhooks, translating their
# items into canonical events, the source registry.
target_sources(meshdeck_broker PRIVATE
  sources/vendor.cpp
  sources/translate.cpp
  sources/source_registry.cpp
)
