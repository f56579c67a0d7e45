#include "broker/kept_token.h"

#include "broker/broker_core.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

namespace meshdeck {

namespace {

[[noreturn]] void cannotWrite(const std::filesystem::path& file) {
    throw std::runtime_error("cannot write " + file.string() + ": " + std::strerror(errno));
}

void saveToken(const std::filesystem::path& file, const std::string& token) {
    const std::filesystem::path partial = file.string() + ".partial";
    const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        cannotWrite(file);
    const bool written =
        ::write(fd, token.data(), token.size()) == static_cast<ssize_t>(token.size()) &&
        ::fsync(fd) == 0;
    ::close(fd);
    if (!written || ::rename(partial.c_str(), file.c_str()) != 0) {
        const int error = errno;
        ::unlink(partial.c_str());
        errno = error;
        cannotWrite(file);
    }
}

std::string readToken(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::string token;
    in >> token;
    return token;
}

} // namespace

std::string keptAdminToken(BrokerCore& core, const std::filesystem::path& file,
                           const std::string& name, const std::optional<std::string>& initial) {
    if (initial) {
        saveToken(file, *initial);
        return *initial;
    }
    if (std::string token = readToken(file); !token.empty()) {
        const auto principal = core.auth().authenticate("Bearer " + token);
        if (principal && principal->isAdmin() && principal->allTenants())
            return token;
    }
    std::string token = core.tokens().create(Role::Admin, "*", {}, name).plaintext;
    saveToken(file, token);
    return token;
}

} // namespace meshdeck
