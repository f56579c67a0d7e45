#pragma once
// What reading an answer of the broker's HTTP API gives: the value, or the
// violations that kept it from being read ("/consumers/0/lag/events: expected
// an integer, got \"many\""). Reading never throws and never crashes on bad
// input; a client shows error() to a person.

#include "core/error.h"

#include <optional>
#include <string>
#include <string_view>

namespace meshdeck::protocol {

template <class T> struct Decoded {
    std::optional<T> value;
    Violations violations;

    explicit operator bool() const { return value.has_value(); }
    std::string error() const { return describe(violations); }
};

// Reads one answer of type T from its JSON text. Defined for each protocol
// type (explicit instantiations in core/protocol/codec.cpp).
template <class T> Decoded<T> fromJson(std::string_view text);

} // namespace meshdeck::protocol
