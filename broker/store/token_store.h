#pragma once
// API tokens. A token is "mdk_" + 43 base64url characters (256 random bits).
// Only its SHA-256 hash is stored; the plain text is shown once at creation.

#include "broker/store/database.h"
#include "core/time.h"

#include <optional>
#include <string>
#include <vector>

namespace meshdeck {

enum class Role { Producer, Consumer, Operator, Viewer, Admin };
std::string_view toString(Role r);
std::optional<Role> parseRole(std::string_view text);

struct TokenRecord {
    std::string id;   // short public id, "tok_..." - safe to log
    std::string name; // free text label
    Role role = Role::Viewer;
    std::string tenant;                  // "*" only for admin tokens: every tenant
    std::vector<std::string> eventTypes; // publish allow-list; empty = all
    Timestamp createdAt{};
    bool revoked = false;
};

struct NewToken {
    std::string plaintext; // shown once
    TokenRecord record;
};

std::string hashToken(std::string_view plaintext); // hex SHA-256

class TokenStore {
public:
    explicit TokenStore(Database& db);
    // Waits for the commit; throws SqliteError.
    NewToken create(Role role, std::string tenant, std::vector<std::string> eventTypes,
                    std::string name);
    // Only tokens that are not revoked.
    std::optional<TokenRecord> findByPlaintext(std::string_view plaintext) const;
    std::vector<TokenRecord> list() const; // oldest first, revoked ones included
    // By public id, revoked or not.
    std::optional<TokenRecord> find(const std::string& id) const;
    // False when there is no such token or it was already revoked.
    bool revoke(const std::string& id);
    // No token at all, revoked ones included: a first admin token is made only
    // for a fresh mesh, never because every token was revoked.
    bool empty() const;

private:
    Database& db_;
};

} // namespace meshdeck
