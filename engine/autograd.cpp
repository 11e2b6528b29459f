#include "engine/autograd.h"

#include <chrono>
#include <unordered_map>

#include "engine/ops/elementwise.h"
#include "runtime/error.h"

namespace tailor {

namespace {
thread_local bool g_grad_mode = true;
thread_local BackwardProfile* g_backward_profile = nullptr;

Tensor accumulate(const Tensor& a, const Tensor& b) {
  return a.defined() ? ops::add(a, b) : b;
}
}  // namespace

bool grad_mode_enabled() {
  return g_grad_mode;
}

NoGradGuard::NoGradGuard() : previous_(g_grad_mode) {
  g_grad_mode = false;
}
NoGradGuard::~NoGradGuard() {
  g_grad_mode = previous_;
}

BackwardProfile::BackwardProfile() : previous_(g_backward_profile) {
  g_backward_profile = this;
}
BackwardProfile::~BackwardProfile() {
  g_backward_profile = previous_;
}

void BackwardProfile::add(const std::string& op, const Shape& grad_shape, double ms) {
  for (OpTime& o : ops_)
    if (o.op == op && o.grad_shape == grad_shape) {
      ++o.calls;
      o.ms += ms;
      return;
    }
  ops_.push_back({op, grad_shape, 1, ms});
}

bool records_history(const std::vector<Tensor>& inputs) {
  if (!g_grad_mode) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

Tensor record_op(Tensor out, const char* op, const std::vector<Tensor>& inputs,
                 Node::BackwardFn fn) {
  if (!records_history(inputs)) return out;
  auto node = std::make_shared<Node>();
  node->op = op;
  node->backward = std::move(fn);
  node->edges.reserve(inputs.size());
  for (const Tensor& t : inputs) {
    Edge e;
    if (t.defined() && t.requires_grad()) {
      if (t.grad_fn())
        e.fn = t.grad_fn();
      else
        e.leaf = t.impl_ptr();
    }
    node->edges.push_back(std::move(e));
  }
  out.impl()->grad_fn = std::move(node);
  out.impl()->requires_grad = true;
  return out;
}

void run_backward(const Tensor& root, const Tensor& grad_in) {
  TAILOR_CHECK(root.requires_grad(), UserError,
               "backward() on a tensor that does not require grad");
  Tensor grad = grad_in;
  if (!grad.defined()) {
    TAILOR_CHECK(root.numel() == 1, ShapeError,
                 "backward() without a gradient needs a scalar, got ", shape_str(root.shape()));
    grad = Tensor::full(root.shape(), 1.f, root.device());
  }
  TAILOR_CHECK(grad.shape() == root.shape(), ShapeError, "backward(): gradient ",
               shape_str(grad.shape()), " for tensor ", shape_str(root.shape()));
  if (!root.grad_fn()) {
    root.set_grad(accumulate(root.grad(), grad));
    return;
  }

  // Count, for every node, how many consumers will send it a gradient.
  std::unordered_map<Node*, int> pending;
  std::vector<Node*> stack{root.grad_fn().get()};
  pending[root.grad_fn().get()] = 0;
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->edges) {
      if (!e.fn) continue;
      auto it = pending.find(e.fn.get());
      if (it == pending.end()) {
        pending[e.fn.get()] = 1;
        stack.push_back(e.fn.get());
      } else {
        ++it->second;
      }
    }
  }

  std::unordered_map<Node*, Tensor> grads;
  std::vector<std::shared_ptr<Node>> ready{root.grad_fn()};
  grads[root.grad_fn().get()] = grad;
  while (!ready.empty()) {
    std::shared_ptr<Node> node = std::move(ready.back());
    ready.pop_back();
    Tensor g = std::move(grads[node.get()]);
    grads.erase(node.get());
    TAILOR_CHECK(node->backward, UserError, "backward through '", node->op,
                 "' a second time: its saved tensors were already released");
    std::vector<bool> needs(node->edges.size());
    for (size_t i = 0; i < needs.size(); ++i) needs[i] = node->edges[i].active();
    BackwardProfile* profile = g_backward_profile;
    const auto t0 =
        profile ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
    const Shape grad_shape = profile ? g.shape() : Shape();
    std::vector<Tensor> in_grads = node->backward(g, needs);
    node->release();
    for (size_t i = 0; i < node->edges.size(); ++i) {
      const Edge& e = node->edges[i];
      if (!e.active()) continue;
      TAILOR_CHECK(i < in_grads.size() && in_grads[i].defined(), UserError, "op '", node->op,
                   "' returned no gradient for input ", i);
      if (e.leaf) {
        Tensor leaf(e.leaf);
        TAILOR_CHECK(in_grads[i].shape() == leaf.shape(), ShapeError, "op '", node->op,
                     "' gradient ", shape_str(in_grads[i].shape()), " for input ",
                     shape_str(leaf.shape()));
        leaf.set_grad(accumulate(leaf.grad(), in_grads[i]));
      } else {
        Tensor& slot = grads[e.fn.get()];
        slot = accumulate(slot, in_grads[i]);
        if (--pending[e.fn.get()] == 0) ready.push_back(e.fn);
      }
    }
    if (profile)
      profile->add(
          node->op, grad_shape,
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
}

}  // namespace tailor
