// apool: a small pool of threads that is an executor (see executor.hpp).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace apool {

/// A fixed set of threads that runs apool calls (or anything else) as an
/// executor: `apool::thread_pool pool(n); apool::adaptive_avg_pool2d(in, out, pool);`.
/// It starts n - 1 workers once (the calling thread of each call works too),
/// serves any number of calls, from any number of threads at once, and joins
/// its workers when destroyed. A call allocates nothing: its job lives on the
/// caller's stack. A call made from inside one of the pool's own tasks runs
/// its tasks inline, so nesting cannot deadlock. Tasks must not throw.
class thread_pool {
public:
    /// Starts `threads` - 1 workers (none for 0 or 1); by default one thread
    /// per hardware thread.
    explicit thread_pool(std::size_t threads = default_threads()) {
        for (std::size_t t = 1; t < threads; ++t) workers_.emplace_back([this] { work(); });
    }

    thread_pool(const thread_pool&) = delete;
    thread_pool& operator=(const thread_pool&) = delete;

    /// Joins the workers; no call may be running.
    ~thread_pool() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        work_ready_.notify_all();
        for (std::thread& worker : workers_) worker.join();
    }

    /// Threads that run a call's tasks: the workers and the caller.
    std::size_t size() const noexcept { return workers_.size() + 1; }

    /// Calls task(i) once for each i in [0, count), on the workers and the
    /// calling thread, and returns when all have returned.
    template <class Task>
    void operator()(std::ptrdiff_t count, Task&& task) {
        using task_type = std::remove_reference_t<Task>;
        if (count <= 0) return;
        if (count == 1 || workers_.empty() || current_pool() == this) {
            for (std::ptrdiff_t i = 0; i < count; ++i) task(i);
            return;
        }
        job call;
        call.run = [](void* context, std::ptrdiff_t i) { (*static_cast<task_type*>(context))(i); };
        call.context = const_cast<void*>(static_cast<const volatile void*>(&task));
        call.count = count;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            job** end = &jobs_;
            while (*end != nullptr) end = &(*end)->next_job;
            *end = &call;
            ++call.helpers;
        }
        work_ready_.notify_all();
        const thread_pool* outer = current_pool();
        current_pool() = this;
        const std::ptrdiff_t done = run_claimed(call);
        current_pool() = outer;
        std::unique_lock<std::mutex> lock(mutex_);
        finish(call, done);
        job_done_.wait(lock, [&] { return call.finished == call.count && call.helpers == 0; });
    }

    /// std::thread::hardware_concurrency(), or 1 where it is unknown.
    static std::size_t default_threads() noexcept {
        const unsigned threads = std::thread::hardware_concurrency();
        return threads > 0 ? threads : 1;
    }

private:
    // One call's tasks. Its indices are claimed one at a time by an atomic
    // counter; the rest (the list of jobs, the counts of finished tasks and of
    // threads still holding the job) changes under the pool's mutex, whose
    // release also publishes what the tasks wrote to the caller.
    struct job {
        void (*run)(void*, std::ptrdiff_t) = nullptr;
        void* context = nullptr;
        std::ptrdiff_t count = 0;
        std::atomic<std::ptrdiff_t> next_index{0};
        std::ptrdiff_t finished = 0;
        std::ptrdiff_t helpers = 0;  // threads between taking the job and reporting on it
        job* next_job = nullptr;
    };

    static const thread_pool*& current_pool() noexcept {
        static thread_local const thread_pool* current = nullptr;
        return current;
    }

    // Runs the job's tasks until none is left to claim; returns how many it ran.
    static std::ptrdiff_t run_claimed(job& call) noexcept {
        std::ptrdiff_t done = 0;
        for (;;) {
            const std::ptrdiff_t i = call.next_index.fetch_add(1, std::memory_order_relaxed);
            if (i >= call.count) return done;
            call.run(call.context, i);
            ++done;
        }
    }

    // Under mutex_: unlinks the job (every index is claimed by now), counts
    // the tasks this thread ran, and wakes the caller when the job is over.
    void finish(job& call, std::ptrdiff_t done) noexcept {
        for (job** at = &jobs_; *at != nullptr; at = &(*at)->next_job) {
            if (*at == &call) {
                *at = call.next_job;
                break;
            }
        }
        call.finished += done;
        --call.helpers;
        if (call.finished == call.count && call.helpers == 0) job_done_.notify_all();
    }

    void work() {
        current_pool() = this;
        std::unique_lock<std::mutex> lock(mutex_);
        for (;;) {
            work_ready_.wait(lock, [&] { return stopping_ || jobs_ != nullptr; });
            if (jobs_ == nullptr) return;
            job& call = *jobs_;
            ++call.helpers;
            lock.unlock();
            const std::ptrdiff_t done = run_claimed(call);
            lock.lock();
            finish(call, done);
        }
    }

    std::mutex mutex_;
    std::condition_variable work_ready_;
    std::condition_variable job_done_;
    job* jobs_ = nullptr;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace apool
