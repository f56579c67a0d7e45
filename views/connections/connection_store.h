#pragma once
// The meshes the console knows: names and URLs in QSettings, tokens in a
// separate JSON file that only its owner can read (QSettings files are
// often world-readable, and a token is the key to a mesh).

#include <QList>
#include <QString>

namespace meshdeck::views {

struct MeshConnection {
    QString name;          // "staging", unique
    QString url;           // "https://mesh.internal:8787"
    bool insecure = false; // accept a self-signed certificate
    bool operator==(const MeshConnection&) const = default;
};

class ConnectionStore {
public:
    // tokenFile: where tokens live; created 0600.
    explicit ConnectionStore(QString tokenFile);
    static QString defaultTokenFile(); // <config dir>/meshdeck/tokens.json

    QList<MeshConnection> connections() const;
    // Adds or replaces by name. An empty token keeps the stored one.
    // Returns an error for the dialog, empty on success.
    QString save(const MeshConnection& connection, const QByteArray& token);
    void remove(const QString& name);
    QByteArray token(const QString& name) const;

    QString lastUsed() const;
    void setLastUsed(const QString& name);

    // "" when valid, else what is wrong ("the URL must start with http:// or https://").
    static QString validate(const MeshConnection& connection);

private:
    QHash<QString, QByteArray> readTokens() const;
    QString writeTokens(const QHash<QString, QByteArray>& tokens) const;

    QString tokenFile_;
};

} // namespace meshdeck::views
