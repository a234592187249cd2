# SPDX-License-Identifier: MIT
# The installed package as a stranger uses it: install the build (configured for
# its own prefix) into a scratch prefix, move that prefix elsewhere, then build and
# run a program against it with find_package and with pkg-config's flags, and run
# the installed CLI. Any step that fails fails the test.
#   cmake -DBINARY_DIR=... -DWORK_DIR=... -DCONSUMER_DIR=... -DLIBDIR=lib -DCXX=c++
#         [-DCXX_FLAGS=...] [-DLINKER_FLAGS=...] [-DWITH_CLI=ON [-DWITH_MAN=ON]] -P run.cmake
function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE r OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(r)
    message(FATAL_ERROR "${what} failed (${r}):\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

foreach(dir BINARY_DIR WORK_DIR CONSUMER_DIR)
  get_filename_component(${dir} "${${dir}}" ABSOLUTE)  # relative to where cmake -P runs
endforeach()
file(REMOVE_RECURSE ${WORK_DIR})
run("install" ${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${WORK_DIR}/installed)
# Relocatable: nothing may remember where it was installed.
file(RENAME ${WORK_DIR}/installed ${WORK_DIR}/prefix)
set(prefix ${WORK_DIR}/prefix)
message(STATUS "installed into ${WORK_DIR}/installed, moved to ${prefix}")

# 1. find_package(childproc)
run("configuring the find_package consumer" ${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/build
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX}
    "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}")
run("building the find_package consumer" ${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run("running the find_package consumer" ${WORK_DIR}/build/consumer)
if(NOT out STREQUAL "consumer got: hello from a child\n")
  message(FATAL_ERROR "the find_package consumer printed '${out}'")
endif()
message(STATUS "find_package consumer: ${out}")

# 2. g++ main.cpp $(pkg-config --cflags --libs childproc)
set(ENV{PKG_CONFIG_PATH} "${prefix}/${LIBDIR}/pkgconfig")
run("pkg-config" pkg-config --cflags --libs childproc)
string(STRIP "${out}" pc)
message(STATUS "pkg-config --cflags --libs childproc: ${pc}")
separate_arguments(pc_args UNIX_COMMAND "${pc}")
separate_arguments(cxx_flags UNIX_COMMAND "${CXX_FLAGS} ${LINKER_FLAGS}")
run("building the pkg-config consumer" ${CXX} ${cxx_flags} ${CONSUMER_DIR}/main.cpp ${pc_args} -o ${WORK_DIR}/pc_consumer)
# A shared libchildproc is found as any library outside the linker's paths is.
run("running the pkg-config consumer" ${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${prefix}/${LIBDIR} ${WORK_DIR}/pc_consumer)
if(NOT out STREQUAL "consumer got: hello from a child\n")
  message(FATAL_ERROR "the pkg-config consumer printed '${out}'")
endif()
message(STATUS "pkg-config consumer: ${out}")

# 3. The installed CLI runs from the moved prefix with no LD_LIBRARY_PATH.
if(WITH_CLI)
  run("running the installed CLI" ${CMAKE_COMMAND} -E env --unset=LD_LIBRARY_PATH ${prefix}/bin/childproc spawn echo cli-ok)
  if(NOT out MATCHES "cli-ok")
    message(FATAL_ERROR "the installed CLI printed '${out}'")
  endif()
  message(STATUS "installed CLI: ${out}")
  # Its bash completion, and its man page when help2man was there to make it (the
  # README's commands install help2man, so CI always checks it).
  set(cli_files share/bash-completion/completions/childproc)
  if(WITH_MAN)
    list(APPEND cli_files share/man/man1/childproc.1)
  endif()
  foreach(f ${cli_files})
    if(NOT EXISTS ${prefix}/${f})
      message(FATAL_ERROR "${f} is not installed")
    endif()
  endforeach()
  message(STATUS "installed: ${cli_files}")
endif()
file(GLOB licence ${prefix}/share/doc/childproc/LICENSE)
if(NOT licence)
  message(FATAL_ERROR "LICENSE is not installed in share/doc/childproc")
endif()
message(STATUS "consumer round trip ok")
