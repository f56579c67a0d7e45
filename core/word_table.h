#pragma once
// The words an enum is written as (in the API, in the store), and the look-ups
// both ways. One table per enum, so a word is spelled once.

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace meshdeck {

template <class E, std::size_t N> using WordTable = std::array<std::pair<E, std::string_view>, N>;

// The word for `value` (the table's first word for a value it lacks).
template <class E, std::size_t N> std::string_view wordOf(const WordTable<E, N>& words, E value) {
    for (const auto& [v, word] : words)
        if (v == value)
            return word;
    return words.front().second;
}

// The value a word stands for; nothing for any other text (words are exact).
template <class E, std::size_t N>
std::optional<E> valueOf(const WordTable<E, N>& words, std::string_view word) {
    for (const auto& [v, w] : words)
        if (w == word)
            return v;
    return std::nullopt;
}

} // namespace meshdeck
