#include "views/connections/connection_store.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QSettings>
#include <QStandardPaths>
#include <QUrl>

namespace meshdeck::views {

namespace {
const QString kGroup = QStringLiteral("meshes");

// Replaces the whole list: a shorter list must not leave old entries behind.
void writeConnections(const QList<MeshConnection>& list) {
    QSettings settings;
    settings.remove(kGroup);
    settings.beginWriteArray(kGroup, static_cast<int>(list.size()));
    for (int i = 0; i < list.size(); ++i) {
        settings.setArrayIndex(i);
        settings.setValue(QStringLiteral("name"), list[i].name);
        settings.setValue(QStringLiteral("url"), list[i].url);
        settings.setValue(QStringLiteral("insecure"), list[i].insecure);
    }
    settings.endArray();
}
} // namespace

ConnectionStore::ConnectionStore(QString tokenFile) : tokenFile_(std::move(tokenFile)) {}

QString ConnectionStore::defaultTokenFile() {
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) +
           QStringLiteral("/meshdeck/tokens.json");
}

QList<MeshConnection> ConnectionStore::connections() const {
    QSettings settings;
    QList<MeshConnection> list;
    const int n = settings.beginReadArray(kGroup);
    for (int i = 0; i < n; ++i) {
        settings.setArrayIndex(i);
        list.append({settings.value(QStringLiteral("name")).toString(),
                     settings.value(QStringLiteral("url")).toString(),
                     settings.value(QStringLiteral("insecure")).toBool()});
    }
    settings.endArray();
    return list;
}

QString ConnectionStore::validate(const MeshConnection& c) {
    if (c.name.trimmed().isEmpty())
        return QStringLiteral("Give the mesh a name.");
    const QUrl url(c.url);
    if (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https") ||
        url.host().isEmpty())
        return QStringLiteral("The URL must look like http://host:8787 or https://host:8787.");
    return {};
}

QString ConnectionStore::save(const MeshConnection& connection, const QByteArray& token) {
    if (const QString problem = validate(connection); !problem.isEmpty())
        return problem;
    auto tokens = readTokens();
    if (!token.isEmpty())
        tokens.insert(connection.name, token);
    if (!tokens.contains(connection.name))
        return QStringLiteral("Paste the token for %1 (meshd token create prints one).")
            .arg(connection.name);
    if (const QString problem = writeTokens(tokens); !problem.isEmpty())
        return problem;

    auto list = connections();
    auto it = std::find_if(list.begin(), list.end(),
                           [&](const MeshConnection& c) { return c.name == connection.name; });
    if (it != list.end())
        *it = connection;
    else
        list.append(connection);
    writeConnections(list);
    return {};
}

void ConnectionStore::remove(const QString& name) {
    auto list = connections();
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const MeshConnection& c) { return c.name == name; }),
               list.end());
    writeConnections(list);
    auto tokens = readTokens();
    tokens.remove(name);
    writeTokens(tokens);
}

QByteArray ConnectionStore::token(const QString& name) const {
    return readTokens().value(name);
}

QString ConnectionStore::lastUsed() const {
    return QSettings().value(QStringLiteral("connections/lastUsed")).toString();
}

void ConnectionStore::setLastUsed(const QString& name) {
    QSettings().setValue(QStringLiteral("connections/lastUsed"), name);
}

QHash<QString, QByteArray> ConnectionStore::readTokens() const {
    QFile file(tokenFile_);
    QHash<QString, QByteArray> tokens;
    if (!file.open(QIODevice::ReadOnly))
        return tokens;
    const QJsonObject object = QJsonDocument::fromJson(file.readAll()).object();
    for (auto it = object.begin(); it != object.end(); ++it)
        tokens.insert(it.key(), it.value().toString().toUtf8());
    return tokens;
}

QString ConnectionStore::writeTokens(const QHash<QString, QByteArray>& tokens) const {
    QDir().mkpath(QFileInfo(tokenFile_).absolutePath());
    QJsonObject object;
    for (auto it = tokens.begin(); it != tokens.end(); ++it)
        object.insert(it.key(), QString::fromUtf8(it.value()));
    QSaveFile file(tokenFile_);
    if (!file.open(QIODevice::WriteOnly))
        return QStringLiteral("Cannot write %1: %2").arg(tokenFile_, file.errorString());
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    file.write(QJsonDocument(object).toJson());
    if (!file.commit())
        return QStringLiteral("Cannot write %1: %2").arg(tokenFile_, file.errorString());
    return {};
}

} // namespace meshdeck::views
