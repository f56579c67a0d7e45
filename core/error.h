#pragma once
// Validation errors as values: each names where in the input it is (a JSON
// path such as "/entity/version" or "/0/payload/score") and what was expected,
// in words a person sending the event can act on.

#include <string>
#include <vector>

namespace meshdeck {

struct Violation {
    std::string path;    // JSON Pointer into the request body; "" is the whole body
    std::string message; // "expected an integer >= 0, got \"seven\""

    bool operator==(const Violation&) const = default;
};

using Violations = std::vector<Violation>;

// "/entity/version: expected an integer, got a string; /payload: ..."
std::string describe(const Violations& violations);

} // namespace meshdeck
