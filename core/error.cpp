#include "core/error.h"

namespace meshdeck {

std::string describe(const Violations& violations) {
    std::string out;
    for (const Violation& violation : violations) {
        if (!out.empty())
            out += "; ";
        if (!violation.path.empty()) {
            out += violation.path;
            out += ": ";
        }
        out += violation.message;
    }
    return out;
}

} // namespace meshdeck
