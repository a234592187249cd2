# Install childproc into a scratch prefix, then build and run the consumer project.
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE r OUTPUT_QUIET)
if(r)
  message(FATAL_ERROR "install failed: ${r}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/build
                  -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix
                  "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}"
                RESULT_VARIABLE r)
if(r)
  message(FATAL_ERROR "configuring the consumer failed: ${r}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build RESULT_VARIABLE r)
if(r)
  message(FATAL_ERROR "building the consumer failed: ${r}")
endif()
execute_process(COMMAND ${WORK_DIR}/build/consumer OUTPUT_VARIABLE out RESULT_VARIABLE r)
if(r OR NOT out STREQUAL "consumer got: hello from a child\n")
  message(FATAL_ERROR "the consumer failed (${r}): '${out}'")
endif()
# The pkg-config file resolves too.
set(ENV{PKG_CONFIG_PATH} "${WORK_DIR}/prefix/lib/pkgconfig:${WORK_DIR}/prefix/lib/x86_64-linux-gnu/pkgconfig")
execute_process(COMMAND pkg-config --cflags --libs childproc RESULT_VARIABLE r OUTPUT_VARIABLE pc)
if(r OR NOT pc MATCHES "-lchildproc")
  message(FATAL_ERROR "pkg-config does not find childproc: ${pc}")
endif()
message(STATUS "consumer ok; pkg-config: ${pc}")
