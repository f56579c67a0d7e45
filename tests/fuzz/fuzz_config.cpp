// meshd's config file (broker/config.h): the input is written to a temporary
// file and loaded as meshd loads it, then its tokens are re-read as SIGHUP
// does. The loader's contract is a BrokerConfig or a ConfigError naming the
// field; any other exception escapes this function and fails the target.

#include "broker/config.h"
#include "tests/fuzz/fuzz_support.h"

#include <fstream>
#include <unistd.h>

using namespace meshdeck;

namespace {

// One file per process, removed at exit; in memory (/dev/shm) where there is
// one, as writing a file per input to disk would make the disk the bottleneck.
struct ScratchFile {
    std::filesystem::path path =
        folder() / ("meshdeck-fuzz-config-" + std::to_string(::getpid()) + ".json");
    ~ScratchFile() {
        std::error_code ignored;
        std::filesystem::remove(path, ignored);
    }
    static std::filesystem::path folder() {
        std::error_code ec;
        if (std::filesystem::is_directory("/dev/shm", ec))
            return "/dev/shm";
        return std::filesystem::temp_directory_path();
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const ScratchFile scratch;
    {
        std::ofstream out(scratch.path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
        FUZZ_CHECK(out.good(), "cannot write " + scratch.path.string());
    }

    try {
        const BrokerConfig config = loadConfigFile(scratch.path);
        FUZZ_CHECK(config.configFile == scratch.path, "configFile not set");
        FUZZ_CHECK(config.ioThreads >= 1 && config.readerThreads >= 1, "zero threads accepted");
        for (const ConfiguredToken& token : config.tokens)
            FUZZ_CHECK(token.sha256.size() == 64, "token hash " + token.sha256);
        for (const ConsumerSpec& consumer : config.consumers)
            FUZZ_CHECK(consumer.source == "config", consumer.name);

        // A file that loads has tokens that load again, the same ones.
        const auto tokens = loadConfiguredTokens(scratch.path);
        FUZZ_CHECK(tokens.size() == config.tokens.size(), "SIGHUP re-read differs");
    } catch (const ConfigError& error) {
        FUZZ_CHECK(std::string_view(error.what()).find(scratch.path.string()) !=
                           std::string_view::npos ||
                       std::string_view(error.what()).starts_with("listen address"),
                   std::string("a config error that names no file: ") + error.what());
    }
    return 0;
}
