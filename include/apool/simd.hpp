// apool: the thin layer between the kernels and xsimd; the kernels use only
// what the simd/ headers declare. Every difference between the xsimd versions
// apool supports (8.1 through 14.x) lives in simd/compat.hpp.
#pragma once

#include "simd/batch.hpp"
#include "simd/compat.hpp"
#include "simd/integer_lanes.hpp"
#include "simd/prefetch.hpp"
#include "simd/reduce.hpp"
#include "simd/shuffle.hpp"
#include "simd/transpose.hpp"
