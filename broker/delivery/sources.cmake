# The delivery engine and what it is made of (see engine.h).
target_sources(meshdeck_broker PRIVATE
  delivery/engine.cpp
  delivery/dispatcher.cpp
  delivery/consumer_registry.cpp
  delivery/replay.cpp
  delivery/dead_letters.cpp
  delivery/stall.cpp
  delivery/lag_history.cpp
  delivery/webhook_sink.cpp
  delivery/subscriber_sink.cpp
  store/delivery_store.cpp
)
