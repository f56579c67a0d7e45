#include "output.h"

#include <algorithm>

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

} // namespace meshctl
