#include "broker/store/token_store.h"

#include "broker/store/sqlite_statement.h"

#include <array>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdexcept>

namespace meshdeck {

namespace {

constexpr std::string_view kTokenPrefix = "mdk_";
constexpr std::size_t kSecretBytes = 32;
constexpr std::size_t kIdBytes = 6; // "tok_" + 12 hex

constexpr std::array<std::pair<Role, std::string_view>, 5> kRoleNames{{
    {Role::Producer, "producer"},
    {Role::Consumer, "consumer"},
    {Role::Operator, "operator"},
    {Role::Viewer, "viewer"},
    {Role::Admin, "admin"},
}};

template <std::size_t N> std::array<unsigned char, N> randomBytes() {
    std::array<unsigned char, N> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
        throw std::runtime_error("the system random number generator failed; no token was created");
    return bytes;
}

std::string hex(const unsigned char* data, std::size_t size) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out += digits[data[i] >> 4];
        out += digits[data[i] & 0x0f];
    }
    return out;
}

// RFC 4648 section 5, without padding: safe in headers, URLs and shells.
std::string base64Url(const unsigned char* data, std::size_t size) {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    out.reserve((size * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 2 < size; i += 3) {
        const unsigned v = unsigned(data[i]) << 16 | unsigned(data[i + 1]) << 8 | data[i + 2];
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    if (i + 1 == size) {
        const unsigned v = unsigned(data[i]) << 16;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
    } else if (i + 2 == size) {
        const unsigned v = unsigned(data[i]) << 16 | unsigned(data[i + 1]) << 8;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
    }
    return out;
}

constexpr const char* kSelectToken =
    "SELECT id, name, role, tenant, event_types, created_at_ms, revoked FROM tokens ";

TokenRecord readToken(const sqlite::Statement& st) {
    TokenRecord r;
    r.id = st.columnText(0);
    r.name = st.columnText(1);
    // An unknown role (a file from a newer meshdeck) grants the least.
    r.role = parseRole(st.columnText(2)).value_or(Role::Viewer);
    r.tenant = st.columnText(3);
    const auto types = nlohmann::json::parse(st.columnText(4), nullptr, false);
    if (types.is_array()) {
        for (const auto& t : types)
            if (t.is_string())
                r.eventTypes.push_back(t.get<std::string>());
    }
    r.createdAt = fromUnixMillis(st.columnInt(5));
    r.revoked = st.columnInt(6) != 0;
    return r;
}

} // namespace

std::string_view toString(Role r) {
    for (const auto& [role, name] : kRoleNames)
        if (role == r)
            return name;
    return "viewer";
}

std::optional<Role> parseRole(std::string_view text) {
    for (const auto& [role, name] : kRoleNames)
        if (name == text)
            return role;
    return std::nullopt;
}

std::string hashToken(std::string_view plaintext) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (EVP_Digest(plaintext.data(), plaintext.size(), digest.data(), &size, EVP_sha256(),
                   nullptr) != 1)
        throw std::runtime_error("SHA-256 is unavailable in this OpenSSL build");
    return hex(digest.data(), size);
}

TokenStore::TokenStore(Database& db) : db_(db) {}

NewToken TokenStore::create(Role role, std::string tenant, std::vector<std::string> eventTypes,
                            std::string name) {
    const auto secret = randomBytes<kSecretBytes>();
    const auto idBytes = randomBytes<kIdBytes>();
    NewToken token;
    token.plaintext = std::string(kTokenPrefix) + base64Url(secret.data(), secret.size());
    token.record.id = "tok_" + hex(idBytes.data(), idBytes.size());
    token.record.name = std::move(name);
    token.record.role = role;
    token.record.tenant = std::move(tenant);
    token.record.eventTypes = std::move(eventTypes);
    token.record.createdAt = SystemClock::instance().now();

    const std::string hash = hashToken(token.plaintext);
    const std::string types = nlohmann::json(token.record.eventTypes).dump();
    const TokenRecord& r = token.record;
    const std::string error = db_.writeAndWait([&](sqlite3* db) {
        sqlite::Statement st(db,
                             "INSERT INTO tokens (id, hash, name, role, tenant, event_types, "
                             "created_at_ms, revoked) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0)",
                             "storing token " + r.id);
        st.bindText(1, r.id);
        st.bindText(2, hash);
        st.bindText(3, r.name);
        st.bindText(4, toString(r.role));
        st.bindText(5, r.tenant);
        st.bindText(6, types);
        st.bindInt(7, toUnixMillis(r.createdAt));
        st.run();
    });
    if (!error.empty())
        throw SqliteError(error);
    return token;
}

std::optional<TokenRecord> TokenStore::findByPlaintext(std::string_view plaintext) const {
    if (!plaintext.starts_with(kTokenPrefix))
        return std::nullopt;
    const std::string hash = hashToken(plaintext);
    std::optional<TokenRecord> found;
    db_.read([&](sqlite3* db) {
        sqlite::Statement st(db, std::string(kSelectToken) + "WHERE hash = ?1 AND revoked = 0",
                             "looking up a token");
        st.bindText(1, hash);
        if (st.step())
            found = readToken(st);
    });
    return found;
}

std::optional<TokenRecord> TokenStore::find(const std::string& id) const {
    std::optional<TokenRecord> found;
    db_.read([&](sqlite3* db) {
        sqlite::Statement st(db, std::string(kSelectToken) + "WHERE id = ?1", "looking up a token");
        st.bindText(1, id);
        if (st.step())
            found = readToken(st);
    });
    return found;
}

std::vector<TokenRecord> TokenStore::list() const {
    std::vector<TokenRecord> tokens;
    db_.read([&](sqlite3* db) {
        sqlite::Statement st(db, std::string(kSelectToken) + "ORDER BY created_at_ms, id",
                             "listing tokens");
        while (st.step())
            tokens.push_back(readToken(st));
    });
    return tokens;
}

bool TokenStore::revoke(const std::string& id) {
    bool changed = false;
    const std::string error = db_.writeAndWait([&](sqlite3* db) {
        sqlite::Statement st(db, "UPDATE tokens SET revoked = 1 WHERE id = ?1 AND revoked = 0",
                             "revoking token " + id);
        st.bindText(1, id);
        st.run();
        changed = sqlite3_changes(db) > 0;
    });
    if (!error.empty())
        throw SqliteError(error);
    return changed;
}

bool TokenStore::empty() const {
    bool none = true;
    db_.read([&](sqlite3* db) {
        none = sqlite::queryInt(db, "SELECT EXISTS (SELECT 1 FROM tokens)", "counting tokens") == 0;
    });
    return none;
}

} // namespace meshdeck
