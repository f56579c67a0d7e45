#pragma once
// The admin token a program that owns a mesh's data keeps for itself, in a
// file beside the data readable by its owner only: the console's embedded
// mesh (console.token) and meshd --demo (demo.token). Read back on the next
// start; made anew when the file is missing or its token no longer
// authenticates as an admin's (revoked, or the data dir was replaced). The
// plain text is the key to the mesh, so the file is written with mode 0600
// and replaced whole (a rename), never left half-written.

#include <filesystem>
#include <optional>
#include <string>

namespace meshdeck {

class BrokerCore;

// `initial`: a token the caller already holds (the one-time admin token of a
// fresh data dir), kept instead of making one. `name` labels a new token in
// `meshd token list`. Throws std::runtime_error naming the file when it
// cannot be written.
std::string keptAdminToken(BrokerCore& core, const std::filesystem::path& file,
                           const std::string& name,
                           const std::optional<std::string>& initial = std::nullopt);

} // namespace meshdeck
