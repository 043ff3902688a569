// apool: configuration knobs and portability macros.
//
// Every knob can be overridden by defining the macro before the first
// #include of an apool header.
#pragma once

#include "version.hpp"

// Whether argument errors are reported by throwing apool::invalid_argument.
// Detected from the compiler's settings; define APOOL_USE_EXCEPTIONS to 0 to
// force the no-exception path even where exceptions are enabled.
#ifndef APOOL_USE_EXCEPTIONS
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define APOOL_USE_EXCEPTIONS 1
#else
#define APOOL_USE_EXCEPTIONS 0
#endif
#endif

// Whether the common instantiations (float and double, 1 to 3 spatial dims,
// average and max with 32- or 64-bit indices, forward and backward, at the
// planned rank: detail/instances.hpp) come from apool::apool_compiled, the
// static library that compiles them once, instead of from every translation
// unit that calls them. Linking apool::apool_compiled defines it to 1. The
// library and its users must agree on the knobs below and on the target
// instruction set.
#ifndef APOOL_COMPILED
#define APOOL_COMPILED 0
#endif

// Marks the window walk that every kernel's inner loop runs through: when
// GCC declines to inline it (its budget runs out in large callers), the
// reduction state goes through memory at every element.
#if defined(__GNUC__) || defined(__clang__)
#define APOOL_ALWAYS_INLINE inline __attribute__((always_inline))
#elif defined(_MSC_VER)
#define APOOL_ALWAYS_INLINE __forceinline
#else
#define APOOL_ALWAYS_INLINE inline
#endif

// Marks the appends that build an argument error's message: out of line and
// optimized for size, so that a check's failure path is a few calls and the
// checks cost each translation unit little to compile.
#if defined(__GNUC__) || defined(__clang__)
#define APOOL_COLD __attribute__((noinline, cold))
#elif defined(_MSC_VER)
#define APOOL_COLD __declspec(noinline)
#else
#define APOOL_COLD
#endif

// Elements of stack scratch that one call may use per reduction row (the
// contiguous-row kernels sum or max whole rows into it before reducing along
// the row). The kernels never allocate on the heap; wider rows are processed
// in chunks of this size.
#ifndef APOOL_ROW_BUFFER_ELEMENTS
#define APOOL_ROW_BUFFER_ELEMENTS 1024
#endif

// Elements of the stack tile the tiled kernel transposes small dense planes
// into: lanes<T> planes of up to APOOL_TILE_ELEMENTS / lanes<T> elements each
// are pooled together (NCHW 7x7 to 16x16 with 16 float lanes). The kernel uses
// twice this many elements of stack (input tile and output tile: 32 KiB for
// float at the default). Smaller values send larger planes to the rows kernel.
#ifndef APOOL_TILE_ELEMENTS
#define APOOL_TILE_ELEMENTS 4096
#endif

// Elements of each of the staged kernels' stack buffers (float inputs, float
// results, and for a max int32 indices: 48 KiB at the default, beside the
// float kernel's own scratch): the element types without vector kernels of
// their own (bfloat16, float16, uint8, int8) pool whole planes of up to this
// many elements (56x56 at the default) through float's kernels, and larger
// planes the window rows under one output row where those fit; the rest take
// the generic kernel.
#ifndef APOOL_STAGE_ELEMENTS
#define APOOL_STAGE_ELEMENTS 4096
#endif

// A call given an executor splits into tasks from this many elements (of its
// input, or grad_input) on; a smaller call runs on the calling thread without
// calling the executor, where handing tasks to threads would cost about as
// much as the work.
#ifndef APOOL_PARALLEL_FROM_ELEMENTS
#define APOOL_PARALLEL_FROM_ELEMENTS 262144
#endif

// Elements of work per task that a split aims at (a call gets between 16 and
// 256 tasks where its shape allows).
#ifndef APOOL_ELEMENTS_PER_TASK
#define APOOL_ELEMENTS_PER_TASK 16384
#endif

// Bytes of input that a call with several results (avg and max together, a
// pyramid) reads in one step: each of its poolings reads the step in turn,
// so that the input comes from memory once and from cache for the others.
// At most an L2 cache's share per core.
#ifndef APOOL_SHARED_READ_BYTES
#define APOOL_SHARED_READ_BYTES 131072
#endif
