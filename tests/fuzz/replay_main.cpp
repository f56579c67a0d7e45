// Regression driver for builds without libFuzzer (gcc, the dev and ci
// presets): runs LLVMFuzzerTestOneInput once on every file named on the
// command line or found (recursively) in a folder named there, in a fixed
// order. A path that does not exist is skipped - a target's crashes folder
// exists only once something has crashed it. A crash, a failed check or an
// uncaught exception ends the process, failing the CTest entry; so does
// finding no input at all.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputsUnder(const fs::path& path) {
    std::vector<fs::path> files;
    if (fs::is_directory(path)) {
        for (const auto& entry : fs::recursive_directory_iterator(path))
            if (entry.is_regular_file())
                files.push_back(entry.path());
        std::sort(files.begin(), files.end());
    } else if (fs::is_regular_file(path)) {
        files.push_back(path);
    }
    return files;
}

} // namespace

int main(int argc, char** argv) {
    std::size_t count = 0;
    for (int i = 1; i < argc; ++i) {
        const fs::path path(argv[i]);
        if (!fs::exists(path)) {
            std::printf("replay: %s does not exist; skipped\n", argv[i]);
            continue;
        }
        for (const fs::path& file : inputsUnder(path)) {
            std::ifstream in(file, std::ios::binary);
            const std::vector<char> bytes{std::istreambuf_iterator<char>(in),
                                          std::istreambuf_iterator<char>()};
            if (!in.good() && !in.eof()) {
                std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
                return 1;
            }
            // Printed before running, so the input at fault is the last one named.
            std::printf("replay: %s (%zu bytes)\n", file.c_str(), bytes.size());
            std::fflush(stdout);
            // A copy of exactly the input's size, so ASan sees reads past its end.
            const std::unique_ptr<std::uint8_t[]> copy(new std::uint8_t[bytes.size()]);
            std::copy(bytes.begin(), bytes.end(), copy.get());
            LLVMFuzzerTestOneInput(copy.get(), bytes.size());
            ++count;
        }
    }
    if (count == 0) {
        std::fprintf(stderr, "replay: no inputs found in the paths given\n");
        return 1;
    }
    std::printf("replay: %zu inputs, no failure\n", count);
    return 0;
}
