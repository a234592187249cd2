# SPDX-License-Identifier: MIT
# The rooms of lib/ and the rule between them: a file may include its own room
# and any room on a lower line, never one on its own line or above. Run it to see
# the include graph between rooms:
#   cmake -DLIB_DIR=lib -P tests/layers/check_layers.cmake
# It fails on an include that points up or sideways, and on a room the table does
# not place (a new room takes its line here first).
set(layers
  "core"          # Stream, tick queue, loop, errors, timers, signals, options, the diagnostics channels
  "launch"        # the launcher seam and its backends; the channel inherited at startup
  "ipc;net"       # Channel and codecs, handles, the child-side process API | servers, sockets, dgram
  "child"         # ChildProcess: creation steps, events, kill, close counting
  "spawn"         # spawn() and fork(): Node's argument rules → a SpawnPlan
  "exec;cluster"  # exec/execFile/*Sync/pipelines | the primary, workers, supervision
  "script;pty;timeline;systemd"  # scripting: commands as values, | on kernel pipes, lines | terminals: a
                                 # program on a pty | a recording of the diagnostics channels, drawn as a
                                 # page | systemd's notify protocol for a cluster primary
  "expect"        # expect: wait for text or a pattern on a terminal, answer it
)

if(NOT LIB_DIR)
  message(FATAL_ERROR "usage: cmake -DLIB_DIR=<lib> -P check_layers.cmake")
endif()

get_filename_component(LIB_DIR "${LIB_DIR}" ABSOLUTE)
set(level 0)
foreach(line IN LISTS layers)
  string(REPLACE " " ";" rooms "${line}")
  foreach(room IN LISTS rooms)
    set(level_${room} ${level})
  endforeach()
  math(EXPR level "${level} + 1")
endforeach()

file(GLOB rooms RELATIVE ${LIB_DIR} ${LIB_DIR}/*)
set(violations "")
foreach(room IN LISTS rooms)
  if(NOT IS_DIRECTORY ${LIB_DIR}/${room})
    continue()
  endif()
  if(NOT DEFINED level_${room})
    list(APPEND violations "lib/${room}/ is a room the layer table does not place")
    continue()
  endif()
  set(uses "")
  file(GLOB files RELATIVE ${LIB_DIR} ${LIB_DIR}/${room}/*)
  foreach(file IN LISTS files)
    file(STRINGS ${LIB_DIR}/${file} includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"[^\"/]+/")
    foreach(inc IN LISTS includes)
      string(REGEX REPLACE "^[^\"]*\"([^\"/]+)/.*" "\\1" other "${inc}")
      if(other STREQUAL room OR NOT IS_DIRECTORY ${LIB_DIR}/${other})
        continue()  # its own room, or a public header (childproc/...)
      endif()
      list(APPEND uses ${other})
      if(NOT DEFINED level_${other} OR NOT level_${other} LESS level_${room})
        string(REGEX REPLACE "^[^\"]*\"([^\"]+)\".*" "\\1" header "${inc}")
        list(APPEND violations "lib/${file} includes ${header}: ${other} is not below ${room}")
      endif()
    endforeach()
  endforeach()
  list(REMOVE_DUPLICATES uses)
  list(SORT uses)
  list(JOIN uses " " uses)
  message("${room} -> ${uses}")
endforeach()

if(violations)
  list(JOIN violations "\n  " text)
  message(FATAL_ERROR "includes against the layers:\n  ${text}")
endif()
