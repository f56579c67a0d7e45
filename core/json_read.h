#pragma once
// Typed reads of an object's members from outside input. A member of the
// wrong type becomes a Violation naming its path ("/max_in_flight: expected
// an integer, got \"many\""), never an exception: nlohmann's get<T>() and
// value() throw type_error on a mismatch, which must not reach a network
// thread. Include from .cpp files only (it brings nlohmann/json.hpp).

#include "core/error.h"
#include "core/json_path.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace meshdeck::json_read {

// Reads obj[key] as T when present and not null. Absent or null: nullopt and
// no violation. Present with another type: nullopt and a violation at
// base + "/" + key. T is std::string, bool, std::int64_t, std::uint64_t,
// double or int (range-checked).
template <class T, class Json>
std::optional<T> member(const Json& obj, std::string_view key, Violations& bad,
                        std::string_view base = "") {
    if (!obj.is_object())
        return std::nullopt;
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
        return std::nullopt;
    const Json& v = *it;
    auto wrong = [&](const char* expected) -> std::optional<T> {
        bad.push_back({jsonpath::append(base, key), std::string("expected ") + expected + ", got " +
                                                        jsonpath::describeValue(v)});
        return std::nullopt;
    };
    if constexpr (std::is_same_v<T, std::string>) {
        if (!v.is_string())
            return wrong("a string");
        return v.template get<std::string>();
    } else if constexpr (std::is_same_v<T, bool>) {
        if (!v.is_boolean())
            return wrong("true or false");
        return v.template get<bool>();
    } else if constexpr (std::is_same_v<T, double>) {
        if (!v.is_number())
            return wrong("a number");
        return v.template get<double>();
    } else if constexpr (std::is_same_v<T, std::uint64_t>) {
        if (!v.is_number_unsigned())
            return wrong("an integer >= 0");
        return v.template get<std::uint64_t>();
    } else if constexpr (std::is_same_v<T, std::int64_t>) {
        if (v.is_number_unsigned()) {
            if (v.template get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
                return wrong("an integer below 2^63");
            return static_cast<std::int64_t>(v.template get<std::uint64_t>());
        }
        if (!v.is_number_integer())
            return wrong("an integer");
        return v.template get<std::int64_t>();
    } else if constexpr (std::is_same_v<T, int>) {
        const auto wide = member<std::int64_t>(obj, key, bad, base);
        if (!wide)
            return std::nullopt;
        if (*wide < INT32_MIN || *wide > INT32_MAX)
            return wrong("an integer of at most 10 digits");
        return static_cast<int>(*wide);
    } else {
        static_assert(sizeof(T) == 0, "json_read::member: unsupported type");
    }
}

} // namespace meshdeck::json_read
