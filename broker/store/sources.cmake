target_sources(meshdeck_broker PRIVATE
  store/database.cpp
  store/sqlite_statement.cpp
  store/sqlite_log.cpp
  store/token_store.cpp
  store/quarantine_store.cpp
  store/schema_store.cpp
  store/audit_log.cpp
  store/source_store.cpp
  store/search_store.cpp
)
