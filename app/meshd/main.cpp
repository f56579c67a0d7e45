// meshd: the meshdeck broker without a GUI.
//
//   meshd --data DIR --listen HOST:PORT [--config FILE] [--durability full|normal] [--demo]
//   meshd token create --data DIR --role ROLE --tenant TENANT [--types A,B] [--name NAME]
//   meshd token list --data DIR
//   meshd token revoke --data DIR ID
//   meshd token hash TOKEN
//
// This command line is kept stable: scripts and packaging depend on it.
//
// --demo: once the broker listens, a simulated martech stack feeds it
// (app/demo/demo_driver.h): HubSpot, Salesforce and Segment post signed
// webhooks to its /v1/hooks, and three consumers deliver to a small local
// receiver. It uses an admin token of its own, kept in DIR/demo.token, and
// stops before the broker drains.

#include "app/demo/demo_driver.h"
#include "broker/broker.h"
#include "broker/broker_core.h"
#include "broker/kept_token.h"
#include "broker/log.h"

#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <pthread.h>
#include <unistd.h>

using namespace meshdeck;

namespace {

constexpr const char* kUsage = R"(usage:
  meshd --data DIR [--listen HOST:PORT] [--config FILE] [--durability full|normal]
        [--log-format json|text] [--log-level debug|info|warn|error] [--demo]
  meshd token create --data DIR --role ROLE --tenant TENANT [--types A,B] [--name NAME]
  meshd token list --data DIR
  meshd token revoke --data DIR TOKEN_ID
  meshd token hash TOKEN
  meshd --version

Starts the broker: a durable event log in DIR/mesh.db and the HTTP API on
HOST:PORT (default 127.0.0.1:8787). On the first start of an empty data dir it
prints a one-time admin token. SIGTERM/SIGINT drain and stop; SIGHUP reloads
tokens and schemas.

--demo feeds the broker a simulated martech stack: HubSpot, Salesforce and
Segment post signed webhooks to /v1/hooks/..., canonical events are published
to tenant acme, and three consumers (crm-sync, outreach-sequences, analytics)
deliver to a small receiver on 127.0.0.1. Its admin token is kept in
DIR/demo.token.

Roles: producer, consumer, operator, viewer, admin.
)";

struct Args {
    std::vector<std::string> positional;
    std::map<std::string, std::string> options;
};

[[noreturn]] void fail(const std::string& message, int code = 2) {
    std::cerr << "meshd: " << message << '\n';
    std::exit(code);
}

Args parseArgs(int argc, char** argv, int from) {
    static const std::vector<std::string> valued = {
        "--data",   "--listen", "--config", "--durability", "--role",
        "--tenant", "--types",  "--name",   "--log-format", "--log-level"};
    Args args;
    for (int i = from; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("--", 0) == 0) {
            std::string value;
            if (const auto eq = a.find('='); eq != std::string::npos) {
                value = a.substr(eq + 1);
                a = a.substr(0, eq);
            } else if (std::find(valued.begin(), valued.end(), a) != valued.end()) {
                if (i + 1 >= argc)
                    fail(a + " needs a value\n\n" + kUsage);
                value = argv[++i];
            }
            if (a != "--help" && a != "--version" && a != "--demo" &&
                std::find(valued.begin(), valued.end(), a) == valued.end())
                fail("unknown option " + a + "\n\n" + kUsage);
            args.options[a] = value;
        } else {
            args.positional.push_back(a);
        }
    }
    return args;
}

std::vector<std::string> splitList(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = text.find(',', start);
        std::string item =
            text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!item.empty())
            out.push_back(item);
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    return out;
}

BrokerConfig configFrom(const Args& args) {
    BrokerConfig config;
    if (auto it = args.options.find("--config"); it != args.options.end())
        config = loadConfigFile(it->second);
    if (auto it = args.options.find("--data"); it != args.options.end())
        config.dataDir = it->second;
    if (auto it = args.options.find("--listen"); it != args.options.end())
        config.listen = parseListenAddress(it->second);
    if (auto it = args.options.find("--durability"); it != args.options.end()) {
        if (it->second == "full")
            config.durability = Durability::Full;
        else if (it->second == "normal")
            config.durability = Durability::Normal;
        else
            fail("--durability must be full or normal");
    }
    if (config.dataDir.empty())
        fail("no data dir: pass --data DIR (or data_dir in --config FILE)\n\n" +
             std::string(kUsage));
    return config;
}

void configureLogging(const Args& args) {
    if (auto it = args.options.find("--log-format"); it != args.options.end())
        log::setHumanReadable(it->second == "text");
    if (auto it = args.options.find("--log-level"); it != args.options.end()) {
        static const std::map<std::string, log::Level> levels = {{"debug", log::Level::Debug},
                                                                 {"info", log::Level::Info},
                                                                 {"warn", log::Level::Warn},
                                                                 {"error", log::Level::Error}};
        auto level = levels.find(it->second);
        if (level == levels.end())
            fail("--log-level must be debug, info, warn or error");
        log::setMinimumLevel(level->second);
    }
}

// DIR/meshd.pid names the meshd serving a data dir while it runs, so that
// `meshd token revoke` can make it drop a token's sessions at once.
std::filesystem::path pidFile(const std::filesystem::path& dataDir) {
    return dataDir / "meshd.pid";
}

std::optional<pid_t> runningMeshd(const std::filesystem::path& dataDir) {
    std::ifstream in(pidFile(dataDir));
    long pid = 0;
    if (!(in >> pid) || pid <= 1)
        return std::nullopt;
    // Only a live meshd, not whatever process took the number since.
    std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
    std::string name;
    if (!std::getline(comm, name) || name != "meshd")
        return std::nullopt;
    return static_cast<pid_t>(pid);
}

int tokenCommand(int argc, char** argv) {
    if (argc < 3)
        fail(std::string("token needs a subcommand: create, list, revoke or hash\n\n") + kUsage);
    const std::string sub = argv[2];
    Args args = parseArgs(argc, argv, 3);
    if (sub == "hash") {
        if (args.positional.size() != 1)
            fail("usage: meshd token hash TOKEN");
        std::cout << hashToken(args.positional[0]) << '\n';
        return 0;
    }
    log::setMinimumLevel(log::Level::Warn);
    BrokerConfig config = configFrom(args);
    // Arguments are checked before the data dir is opened (or made).
    std::optional<Role> role;
    std::string tenant;
    if (sub == "create") {
        const auto roleText = args.options["--role"];
        role = parseRole(roleText);
        if (!role)
            fail("--role must be one of producer, consumer, operator, viewer, admin (got '" +
                 roleText + "')");
        tenant = args.options["--tenant"];
        if (tenant.empty())
            fail("--tenant is required (\"*\", every tenant, only for admin and viewer tokens)");
        if (tenant == "*" && *role != Role::Admin && *role != Role::Viewer)
            fail("--tenant \"*\" (every tenant) is for admin and viewer tokens only");
    } else if (sub == "revoke" && args.positional.size() != 1) {
        fail("usage: meshd token revoke --data DIR TOKEN_ID");
    } else if (sub != "list" && sub != "revoke") {
        fail("unknown token subcommand '" + sub + "'\n\n" + kUsage);
    }
    BrokerCore core(std::move(config));
    if (sub == "create") {
        const auto types = splitList(args.options["--types"]);
        NewToken token = core.tokens().create(*role, tenant, types, args.options["--name"]);
        core.audit().record({0, core.clock().now(), "meshd-cli", "token.create", token.record.id,
                             "{\"role\":\"" + std::string(toString(*role)) + "\"}", tenant});
        core.drain();
        std::cout << token.plaintext << '\n';
        std::cerr << "meshd: created " << toString(*role) << " token " << token.record.id
                  << " for tenant " << tenant << "; it is shown once - store it now\n";
        return 0;
    }
    if (sub == "list") {
        std::printf("%-18s %-9s %-12s %-24s %s\n", "ID", "ROLE", "TENANT", "CREATED", "NAME");
        for (const auto& t : core.tokens().list())
            std::printf("%-18s %-9s %-12s %-24s %s%s\n", t.id.c_str(),
                        std::string(toString(t.role)).c_str(), t.tenant.c_str(),
                        formatRfc3339(t.createdAt).c_str(), t.name.c_str(),
                        t.revoked ? " (revoked)" : "");
        return 0;
    }
    if (sub == "revoke") {
        const std::string id = args.positional[0];
        const auto token = core.tokens().find(id);
        const std::string owner = token ? token->tenant : "*";
        if (!core.tokens().revoke(id))
            fail("no token with id " + id +
                     " that is not revoked already (meshd token list "
                     "shows them)",
                 1);
        core.audit().record({0, core.clock().now(), "meshd-cli", "token.revoke", id, "{}", owner});
        core.drain();
        // A meshd serving this data dir must stop honouring the token now,
        // open sessions included: SIGHUP makes it re-read the revocations.
        if (const auto pid = runningMeshd(core.config().dataDir)) {
            ::kill(*pid, SIGHUP);
            std::cerr << "meshd: revoked " << id << "; the meshd serving "
                      << core.config().dataDir.string() << " (pid " << *pid
                      << ") refuses it from now on and closed its sessions\n";
        } else {
            std::cerr << "meshd: revoked " << id << " (no meshd is serving "
                      << core.config().dataDir.string() << " now)\n";
        }
        return 0;
    }
    fail("unknown token subcommand '" + sub + "'\n\n" + kUsage);
}

int serve(const Args& args) {
    configureLogging(args);
    BrokerConfig config = configFrom(args);

    // Signals are taken synchronously by this thread; block them before any
    // other thread starts so none of those receives them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    Broker broker(std::move(config));
    broker.start();
    const auto pidPath = pidFile(broker.core().config().dataDir);
    std::ofstream(pidPath) << ::getpid() << '\n';
    std::cout << "meshd " << MESHDECK_VERSION << " listening on " << broker.url() << '\n';
    if (const auto& token = broker.initialAdminToken())
        std::cout << "admin token: " << *token << '\n'
                  << "(shown once: keep it, e.g. export MESHDECK_TOKEN=" << *token << ")\n";
    std::cout.flush();

    // Declared after the broker, so it stops first whatever ends this scope.
    std::unique_ptr<demo::DemoDriver> demoDriver;
    if (args.options.count("--demo")) {
        demoDriver = std::make_unique<demo::DemoDriver>(
            broker.url(),
            keptAdminToken(broker.core(), broker.core().config().dataDir / "demo.token",
                           "meshd --demo"));
        demoDriver->start();
    }

    const auto& cfg = broker.core().config();
    const bool retention = cfg.retentionMaxAge || cfg.retentionMaxBytes;
    for (;;) {
        timespec wait{60, 0};
        const int sig = sigtimedwait(&signals, nullptr, &wait);
        if (sig == SIGHUP) {
            broker.reload();
        } else if (sig == SIGTERM || sig == SIGINT) {
            if (demoDriver)
                demoDriver->stop();
            log::info("stopping: draining the write queue",
                      {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
            broker.stop();
            std::filesystem::remove(pidPath);
            log::info("stopped");
            return 0;
        } else if (retention) {
            const auto result = broker.core().applyRetention();
            if (result.deleted)
                log::info("retention", {{"deleted", static_cast<long long>(result.deleted)},
                                        {"first_seq", static_cast<long long>(result.firstSeq)}});
        }
    }
}

} // namespace

int main(int argc, char** argv) {
    try {
        if (argc >= 2 && std::strcmp(argv[1], "token") == 0)
            return tokenCommand(argc, argv);
        Args args = parseArgs(argc, argv, 1);
        if (args.options.count("--help")) {
            std::cout << kUsage;
            return 0;
        }
        if (args.options.count("--version")) {
            std::cout << "meshd " << MESHDECK_VERSION << '\n';
            return 0;
        }
        if (!args.positional.empty())
            fail("unexpected argument '" + args.positional[0] + "'\n\n" + kUsage);
        return serve(args);
    } catch (const std::exception& e) {
        std::cerr << "meshd: " << e.what() << '\n';
        return 1;
    }
}
