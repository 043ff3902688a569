// apool: adaptive average and max pooling, PyTorch-exact, on strided views.
// The umbrella header: include this one.
#pragma once

#include "config.hpp"
#include "errors.hpp"
#include "executor.hpp"
#include "float16.hpp"
#include "avg_max.hpp"
#include "backward.hpp"
#include "forward.hpp"
#include "pyramid.hpp"
#include "shapes.hpp"
#include "strided_view.hpp"
#include "thread_pool.hpp"
#include "version.hpp"
#include "window.hpp"
