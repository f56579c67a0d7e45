# Keeps docs/architecture.md true to the tree it describes.
#
#   cmake -DROOT=<source dir> [-DDOC=<file>] -P check_architecture.cmake
#
# Reads the document (DOC, default ROOT/docs/architecture.md) and takes every
# inline code span (`...`) outside fenced blocks that names a repo path: it
# starts with core/, broker/, views/, app/, tests/, docs/, packaging/,
# resources/ or cmake/, optionally followed by ":" or "::" and a function
# (`broker/delivery/dispatcher.cpp:Impl::passGate`). It fails, naming each one
# with its line, when
#   - a path names no file or directory under ROOT;
#   - a function is given and its name (the part after the last "::") does
#     not occur in that file;
#   - fewer than MIN_PATHS distinct paths were found (an emptied document).
# A span that starts like a path but holds more than one (a command line,
# `tests/fuzz/soak.sh envelope`) is listed as not checked.

cmake_minimum_required(VERSION 3.25)

if(NOT DEFINED ROOT OR ROOT STREQUAL "")
  message(FATAL_ERROR "check_architecture: pass -DROOT=<source dir>")
endif()
if(NOT DEFINED DOC OR DOC STREQUAL "")
  set(DOC "${ROOT}/docs/architecture.md")
endif()
if(NOT DEFINED MIN_PATHS)
  set(MIN_PATHS 20)
endif()
if(NOT EXISTS "${DOC}")
  message(FATAL_ERROR "check_architecture: ${DOC} does not exist")
endif()

file(READ "${DOC}" text)
# CMake lists split on ";" (except inside [...]) and treat "\" as an escape;
# none of them occurs in a path, so they are blanked before anything is split.
string(REPLACE ";" " " text "${text}")
string(REPLACE "\\" " " text "${text}")
string(REPLACE "[" "(" text "${text}")
string(REPLACE "]" ")" text "${text}")

# Blank fenced blocks (the picture), keeping their newlines so line numbers
# stay right: their backticks would otherwise pair with the spans after them.
set(scan "${text}")
set(kept "")
while(TRUE)
  string(FIND "${scan}" "```" open)
  if(open EQUAL -1)
    string(APPEND kept "${scan}")
    break()
  endif()
  string(SUBSTRING "${scan}" 0 ${open} before)
  string(APPEND kept "${before}")
  math(EXPR after "${open} + 3")
  string(SUBSTRING "${scan}" ${after} -1 scan)
  string(FIND "${scan}" "```" close)
  if(close EQUAL -1)
    message(FATAL_ERROR "check_architecture: ${DOC} has a ``` fence that is never closed")
  endif()
  string(SUBSTRING "${scan}" 0 ${close} block)
  string(REGEX REPLACE "[^\n]" "" block "${block}")
  string(APPEND kept "${block}")
  math(EXPR after "${close} + 3")
  string(SUBSTRING "${scan}" ${after} -1 scan)
endwhile()
set(text "${kept}")

set(prefixes "core/|broker/|views/|app/|tests/|docs/|packaging/|resources/|cmake/")
string(REGEX MATCHALL "`[^`\n]+`" spans "${text}")

set(paths "")
set(problems "")
set(unchecked "")
set(checked 0)
foreach(span IN LISTS spans)
  string(REGEX REPLACE "^`[ \t]*(.*[^ \t])[ \t]*`$" "\\1" token "${span}")
  if(NOT token MATCHES "^(${prefixes})")
    continue()
  endif()

  # Line of the first occurrence, for the messages.
  string(FIND "${text}" "${span}" at)
  string(SUBSTRING "${text}" 0 ${at} head)
  string(REGEX REPLACE "[^\n]" "" head "${head}")
  string(LENGTH "${head}" line)
  math(EXPR line "${line} + 1")

  set(function "")
  if(token MATCHES "^([^:]+)::?(.+)$")
    set(path "${CMAKE_MATCH_1}")
    set(function "${CMAKE_MATCH_2}")
  else()
    set(path "${token}")
  endif()
  if(NOT path MATCHES "^[A-Za-z0-9_./+-]+$" OR path MATCHES "(^|/)\\.\\.(/|$)")
    list(APPEND unchecked "  line ${line}: `${token}`")
    continue()
  endif()

  math(EXPR checked "${checked} + 1")
  list(APPEND paths "${path}")
  if(NOT EXISTS "${ROOT}/${path}")
    list(APPEND problems "  line ${line}: ${path} does not exist")
    continue()
  endif()
  if(NOT function STREQUAL "")
    string(REGEX REPLACE "^.*::" "" name "${function}")
    string(REGEX REPLACE "\\(.*$" "" name "${name}")
    if(NOT name MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
      list(APPEND problems "  line ${line}: `${token}`: '${function}' is not a function name")
    elseif(IS_DIRECTORY "${ROOT}/${path}")
      list(APPEND problems "  line ${line}: `${token}`: ${path} is a directory, not a file")
    else()
      file(READ "${ROOT}/${path}" source)
      string(REGEX MATCH "(^|[^A-Za-z0-9_])${name}([^A-Za-z0-9_]|$)" found "${source}")
      if(found STREQUAL "")
        list(APPEND problems "  line ${line}: ${path} has no '${name}' (from `${token}`)")
      endif()
    endif()
  endif()
endforeach()

list(REMOVE_DUPLICATES paths)
list(LENGTH paths distinct)

if(unchecked)
  list(JOIN unchecked "\n" list)
  message(STATUS "check_architecture: spans that start like a path but are not one, not checked:\n${list}")
endif()
if(distinct LESS MIN_PATHS)
  list(APPEND problems "  only ${distinct} distinct repo paths found, at least ${MIN_PATHS} \
are expected (is the document empty, or its paths no longer in backticks?)")
endif()
if(problems)
  list(JOIN problems "\n" list)
  message(FATAL_ERROR "check_architecture: ${DOC} does not match ${ROOT}:\n${list}\n"
                      "Fix the document (or the code) so each path and function it names exists.")
endif()
message(STATUS "check_architecture: ${DOC}: ${checked} path references, "
               "${distinct} distinct paths, all present")
