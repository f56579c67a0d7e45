#pragma once
// Human output for meshctl: aligned tables that fit a terminal.

#include <string>
#include <utility>
#include <vector>

namespace meshctl {

class Table {
public:
    explicit Table(std::vector<std::string> headers);
    void add(std::vector<std::string> row);
    // Columns sized to their widest cell, capped so a long payload cannot
    // push the table off screen; the last column is never cut.
    std::string render(std::size_t maxColumnWidth = 40) const;
    bool empty() const { return rows_.empty(); }

private:
    std::vector<std::string> headers_;
    std::vector<std::vector<std::string>> rows_;
};

// "label:  value" lines with the values aligned, for one object's details.
std::string renderFields(const std::vector<std::pair<std::string, std::string>>& fields);

// A duration for a table cell: "0s", "850ms", "12.3s", "4m05s", "2h07m", "3d04h".
std::string formatDuration(long long ms);

} // namespace meshctl
