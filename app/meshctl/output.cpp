#include "output.h"

#include <algorithm>
#include <cstdio>

namespace meshctl {

namespace {
// Width in terminal columns: count UTF-8 lead bytes only.
std::size_t displayWidth(const std::string& s) {
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string fit(const std::string& s, std::size_t width) {
    if (displayWidth(s) <= width)
        return s + std::string(width - displayWidth(s), ' ');
    std::string out;
    std::size_t used = 0;
    for (std::size_t i = 0; i < s.size() && used < width - 1; ++i) {
        out += s[i];
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80)
            ++used;
    }
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0xC0)
        out.pop_back();
    return out + "…" + std::string(width - std::min(width, used + 1), ' ');
}
} // namespace

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add(std::vector<std::string> row) {
    row.resize(headers_.size());
    rows_.push_back(std::move(row));
}

std::string Table::render(std::size_t maxColumnWidth) const {
    std::vector<std::size_t> widths(headers_.size());
    for (std::size_t c = 0; c < headers_.size(); ++c) {
        widths[c] = displayWidth(headers_[c]);
        for (const auto& row : rows_)
            widths[c] = std::max(widths[c], displayWidth(row[c]));
        if (c + 1 < headers_.size())
            widths[c] = std::min(widths[c], maxColumnWidth);
    }
    auto line = [&](const std::vector<std::string>& cells) {
        std::string out;
        for (std::size_t c = 0; c < cells.size(); ++c) {
            if (c + 1 < cells.size())
                out += fit(cells[c], widths[c]) + "  ";
            else
                out += cells[c];
        }
        while (!out.empty() && out.back() == ' ')
            out.pop_back();
        return out + '\n';
    };
    std::string out = line(headers_);
    for (const auto& row : rows_)
        out += line(row);
    return out;
}

std::string renderFields(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::size_t width = 0;
    for (const auto& [label, value] : fields)
        width = std::max(width, displayWidth(label));
    std::string out;
    for (const auto& [label, value] : fields)
        out += label + ":" + std::string(width - displayWidth(label) + 2, ' ') + value + '\n';
    return out;
}

std::string formatDuration(long long ms) {
    char text[32];
    if (ms <= 0)
        return "0s";
    if (ms < 1000)
        std::snprintf(text, sizeof text, "%lldms", ms);
    else if (ms < 60'000)
        std::snprintf(text, sizeof text, "%lld.%llds", ms / 1000, ms / 100 % 10);
    else if (ms < 3'600'000)
        std::snprintf(text, sizeof text, "%lldm%02llds", ms / 60'000, ms / 1000 % 60);
    else if (ms < 86'400'000)
        std::snprintf(text, sizeof text, "%lldh%02lldm", ms / 3'600'000, ms / 60'000 % 60);
    else
        std::snprintf(text, sizeof text, "%lldd%02lldh", ms / 86'400'000, ms / 3'600'000 % 24);
    return text;
}

} // namespace meshctl
