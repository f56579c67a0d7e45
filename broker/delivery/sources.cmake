# The delivery engine and what it is made of (see engine.h).
target_sources(meshdeck_broker PRIVATE
  delivery/consumer_spec.cpp
  delivery/circuit_breaker.cpp
  delivery/outbound_body.cpp
  delivery/engine.cpp
  delivery/engine_control.cpp
  store/delivery_store.cpp
)
