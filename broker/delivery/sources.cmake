# The delivery engine and what it is made of (see engine.h).
target_sources(meshdeck_broker PRIVATE
  delivery/engine.cpp
  delivery/engine_control.cpp
  delivery/webhook_sink.cpp
  delivery/subscriber_sink.cpp
  store/delivery_store.cpp
)
