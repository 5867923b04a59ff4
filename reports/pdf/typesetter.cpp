#include "reports/pdf/typesetter.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fmt/format.h>
#include <pango/pangocairo.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <array>
#include <stdexcept>

#include "model/printable.h"

namespace dnswitness::pdf {
namespace {

constexpr double kCellPadX = 3, kCellPadY = 2.2;
constexpr double kGridWidth = 0.5;

double to_pt(int pango_units) { return static_cast<double>(pango_units) / PANGO_SCALE; }
int to_pango(double pt) { return static_cast<int>(pt * PANGO_SCALE); }

const char* family(Font f) {
  switch (f) {
    case Font::serif:
    case Font::serif_bold: return "Noto Serif CJK JP";
    case Font::sans:
    case Font::sans_bold: return "Noto Sans CJK JP";
    case Font::mono: return "Noto Sans Mono CJK JP";
  }
  return "Noto Sans CJK JP";
}

bool bold(Font f) { return f == Font::serif_bold || f == Font::sans_bold; }

// One laid-out line of a layout, with its vertical extent relative to the layout's top.
struct LineBox {
  PangoLayoutLine* line = nullptr;
  double x = 0, top = 0, bottom = 0, baseline = 0;
};

// cairo's stream callback: `closure` points to the descriptor.
cairo_status_t typesetter_write_to_fd(void* closure, const unsigned char* data, unsigned int length) {
  const int fd = *static_cast<const int*>(closure);
  std::size_t done = 0;
  while (done < length) {
    const ssize_t n = ::write(fd, data + done, length - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return CAIRO_STATUS_WRITE_ERROR;
    done += static_cast<std::size_t>(n);
  }
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

struct Typesetter::Impl {
  struct Item {
    enum class Kind { line, stroke, fill } kind = Kind::line;
    PangoLayoutLine* line = nullptr;  // owned reference (kind line)
    double x = 0, y = 0, x2 = 0, y2 = 0;  // line: origin at baseline; stroke: from/to; fill: rectangle
    double gray = 0;
  };
  struct Outline {
    std::string text;
    int level = 1;
    std::size_t page = 0;
    double y = 0;
  };

  PageSetup setup;
  Metadata metadata;
  std::string language;
  std::string header_left, footer_left;
  int out_fd = -1;  // borrowed: where cairo's stream goes
  cairo_surface_t* surface = nullptr;
  cairo_t* cr = nullptr;
  PangoContext* context = nullptr;
  std::vector<PangoLayout*> layouts;
  std::vector<std::vector<Item>> pages;
  std::vector<Outline> outlines;
  double y = 0;
  bool finished = false;

  double body_top() const { return setup.top; }
  double body_bottom() const { return setup.height - setup.bottom; }
  double body_width() const { return setup.width - setup.left - setup.right; }

  void start_page() {
    pages.emplace_back();
    y = body_top();
  }

  PangoLayout* layout(std::string_view text, Font font, double size, double width, PangoAlignment align,
                      double indent = 0, double spacing = 1.0) {
    PangoLayout* l = pango_layout_new(context);
    layouts.push_back(l);
    PangoFontDescription* fd = pango_font_description_new();
    pango_font_description_set_family(fd, family(font));
    pango_font_description_set_weight(fd, bold(font) ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_size(fd, to_pango(size));
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(l, to_pango(width));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(l, align);
    if (indent != 0) pango_layout_set_indent(l, to_pango(indent));
    if (spacing != 1.0) pango_layout_set_line_spacing(l, static_cast<float>(spacing));
    // Text from the bundle (case name, login file names, accounts) may hold control characters or
    // bidirectional overrides that would hide or reorder what the reader sees: shown escaped.
    const std::string shown = printable(text, true);
    pango_layout_set_text(l, shown.data(), static_cast<int>(shown.size()));
    return l;
  }

  static std::vector<LineBox> lines_of(PangoLayout* l) {
    std::vector<LineBox> out;
    PangoLayoutIter* it = pango_layout_get_iter(l);
    do {
      PangoRectangle logical;
      pango_layout_iter_get_line_extents(it, nullptr, &logical);
      LineBox b;
      b.line = pango_layout_iter_get_line_readonly(it);
      b.x = to_pt(logical.x);
      b.top = to_pt(logical.y);
      b.bottom = to_pt(logical.y + logical.height);
      b.baseline = to_pt(pango_layout_iter_get_baseline(it));
      out.push_back(b);
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    return out;
  }

  void put_line(const LineBox& b, double x, double baseline_y) {
    Item it;
    it.kind = Item::Kind::line;
    it.line = pango_layout_line_ref(b.line);
    it.x = x + b.x;
    it.y = baseline_y;
    pages.back().push_back(it);
  }
  void put_stroke(double x1, double y1, double x2, double y2) {
    Item it;
    it.kind = Item::Kind::stroke;
    it.x = x1, it.y = y1, it.x2 = x2, it.y2 = y2;
    pages.back().push_back(it);
  }
  void put_fill(double x1, double y1, double x2, double y2, double gray) {
    Item it;
    it.kind = Item::Kind::fill;
    it.x = x1, it.y = y1, it.x2 = x2, it.y2 = y2, it.gray = gray;
    pages.back().push_back(it);
  }

  // Places the lines of a paragraph at the cursor, breaking pages between lines. Returns the
  // pages and vertical spans used, for a frame around the text.
  std::vector<std::pair<double, double>> place_lines(const std::vector<LineBox>& lines, double x) {
    std::vector<std::pair<double, double>> spans;
    if (lines.empty()) return spans;
    double shift = y - lines.front().top;
    double span_top = y;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const LineBox& b = lines[i];
      // No widow: when only the paragraph's last line would go over, two lines go together.
      const bool widow = i >= 2 && i + 2 == lines.size() && shift + b.bottom <= body_bottom() &&
                         shift + lines[i + 1].bottom > body_bottom();
      if ((shift + b.bottom > body_bottom() || widow) && shift + b.top > body_top() + 0.01) {
        spans.emplace_back(span_top, shift + b.top);
        start_page();
        shift = body_top() - b.top;
        span_top = body_top();
      }
      put_line(b, x, shift + b.baseline);
    }
    y = shift + lines.back().bottom;
    spans.emplace_back(span_top, y);
    return spans;
  }

  void draw_page(std::size_t index) {
    const double gray_text = 0;
    for (const Item& it : pages[index]) {
      switch (it.kind) {
        case Item::Kind::fill:
          cairo_set_source_rgb(cr, it.gray, it.gray, it.gray);
          cairo_rectangle(cr, it.x, it.y, it.x2 - it.x, it.y2 - it.y);
          cairo_fill(cr);
          break;
        case Item::Kind::stroke:
          cairo_set_source_rgb(cr, 0, 0, 0);
          cairo_set_line_width(cr, kGridWidth);
          cairo_move_to(cr, it.x, it.y);
          cairo_line_to(cr, it.x2, it.y2);
          cairo_stroke(cr);
          break;
        case Item::Kind::line:
          cairo_set_source_rgb(cr, gray_text, gray_text, gray_text);
          cairo_move_to(cr, it.x, it.y);
          pango_cairo_show_layout_line(cr, it.line);
          break;
      }
    }
  }

  // The running header and footer of one page, inside the margins, never in the top-right corner.
  void draw_running(std::size_t index) {
    cairo_set_source_rgb(cr, 0, 0, 0);
    const double w = body_width();
    if (!header_left.empty()) {
      // At most 55 % of the body width, so the top-right corner stays free for the exhibit label.
      PangoLayout* h = layout(header_left, Font::sans, 9, w * 0.55, PANGO_ALIGN_LEFT);
      pango_layout_set_ellipsize(h, PANGO_ELLIPSIZE_END);
      pango_layout_set_height(h, -2);  // at most two lines
      cairo_move_to(cr, setup.left, mm(12));
      pango_cairo_show_layout(cr, h);
    }
    cairo_set_line_width(cr, kGridWidth);
    cairo_move_to(cr, setup.left, body_bottom() + mm(4));
    cairo_line_to(cr, setup.left + w, body_bottom() + mm(4));
    cairo_stroke(cr);
    const double fy = body_bottom() + mm(5.5);
    if (!footer_left.empty()) {
      PangoLayout* f = layout(footer_left, Font::sans, 8.5, w * 0.7, PANGO_ALIGN_LEFT);
      pango_layout_set_ellipsize(f, PANGO_ELLIPSIZE_END);
      cairo_move_to(cr, setup.left, fy);
      pango_cairo_show_layout(cr, f);
    }
    const std::string n = fmt::format("{} / {}", index + 1, pages.size());
    PangoLayout* p = layout(n, Font::sans, 10, w * 0.28, PANGO_ALIGN_RIGHT);
    cairo_move_to(cr, setup.left + w * 0.72, fy - 1);
    pango_cairo_show_layout(cr, p);
  }

  void release() {
    for (auto& page : pages)
      for (auto& it : page)
        if (it.line) pango_layout_line_unref(it.line);
    pages.clear();
    for (PangoLayout* l : layouts) g_object_unref(l);
    layouts.clear();
    if (context) g_object_unref(context);
    context = nullptr;
    if (cr) cairo_destroy(cr);
    cr = nullptr;
    if (surface) cairo_surface_destroy(surface);
    surface = nullptr;
  }
};

Typesetter::Typesetter(int fd, PageSetup setup, Metadata metadata, std::string language)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.setup = setup;
  m.metadata = std::move(metadata);
  m.language = std::move(language);
  m.out_fd = fd;
  m.surface = cairo_pdf_surface_create_for_stream(&typesetter_write_to_fd, &m.out_fd, setup.width, setup.height);
  if (cairo_surface_status(m.surface) != CAIRO_STATUS_SUCCESS) {
    const std::string why = cairo_status_to_string(cairo_surface_status(m.surface));
    m.release();
    throw std::runtime_error(fmt::format("cannot create the PDF ({})", why));
  }
  m.cr = cairo_create(m.surface);
  m.context = pango_cairo_create_context(m.cr);
  // Points as user units: the layouts are measured in PDF points, not 96-dpi pixels.
  pango_cairo_context_set_resolution(m.context, 72);
  // Hinting off: positions are exact (the PDF is scaled by every viewer and printer anyway).
  cairo_font_options_t* fo = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options(m.context, fo);
  cairo_font_options_destroy(fo);
  pango_context_set_language(m.context, pango_language_from_string(m.language.c_str()));
  m.start_page();
}

Typesetter::~Typesetter() {
  if (impl_) impl_->release();
}

void Typesetter::set_running_text(std::string header_left, std::string footer_left) {
  impl_->header_left = std::move(header_left);
  impl_->footer_left = std::move(footer_left);
}

double Typesetter::body_width() const { return impl_->body_width(); }
std::size_t Typesetter::pages() const { return impl_->pages.size(); }

void Typesetter::text(std::string_view s, const TextStyle& st) {
  Impl& m = *impl_;
  if (m.y > m.body_top() + 0.01) m.y += st.space_before;
  const double pad = st.boxed ? 5 : 0;
  const double x = m.setup.left + st.indent + pad;
  PangoLayout* l = m.layout(s, st.font, st.size, m.body_width() - st.indent - 2 * pad, PANGO_ALIGN_LEFT,
                            st.first_indent, st.line_spacing);
  // A negative first_indent is a hanging indent: pango starts the first line at x and indents the
  // others by its absolute value.
  const auto lines = Impl::lines_of(l);
  const double x0 = x;
  if (st.boxed) {
    need(lines.empty() ? 0 : std::min(lines.front().bottom - lines.front().top, 60.0) + 2 * pad);
    m.y += pad;
  }
  const std::size_t first_page = m.pages.size() - 1;
  const auto spans = m.place_lines(lines, x0);
  if (st.boxed) {
    const double x1 = m.setup.left + st.indent, x2 = m.setup.left + m.body_width();
    for (std::size_t k = 0; k < spans.size(); ++k) {
      // The frame is drawn on the page each span belongs to.
      auto& page = m.pages[first_page + k];
      const double top = spans[k].first - (k == 0 ? pad : 0);
      const double bottom = spans[k].second + (k + 1 == spans.size() ? pad : 0);
      for (const auto& [ax, ay, bx, by] : {std::array<double, 4>{x1, top, x2, top}, {x1, bottom, x2, bottom},
                                           {x1, top, x1, bottom}, {x2, top, x2, bottom}}) {
        Impl::Item it;
        it.kind = Impl::Item::Kind::stroke;
        it.x = ax, it.y = ay, it.x2 = bx, it.y2 = by;
        page.push_back(it);
      }
    }
    m.y += pad;
  }
  m.y += st.space_after;
}

void Typesetter::heading(std::string_view s, int level) {
  Impl& m = *impl_;
  TextStyle st;
  st.font = Font::sans_bold;
  st.size = level <= 1 ? 15 : 12.5;
  st.space_before = level <= 1 ? 14 : 10;
  st.space_after = level <= 1 ? 8 : 5;
  // A heading never ends a page: it needs room for itself and a few lines of what follows.
  need(st.space_before + st.size * 1.6 + 70);
  if (m.y > m.body_top() + 0.01) m.y += st.space_before;
  m.outlines.push_back({std::string(s), level, m.pages.size(), m.y});
  st.space_before = 0;
  text(s, st);
}

void Typesetter::table(const Table& t) {
  Impl& m = *impl_;
  if (t.columns.empty()) return;
  double total = 0;
  for (const auto& c : t.columns) total += c.weight;
  const double width = m.body_width() - t.indent;
  std::vector<double> xs{m.setup.left + t.indent};
  for (const auto& c : t.columns) xs.push_back(xs.back() + width * c.weight / total);

  using Cells = std::vector<std::vector<LineBox>>;
  const auto lay_row = [&](const std::vector<std::string>& cells, bool header) {
    Cells out;
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      const std::string& s = c < cells.size() ? cells[c] : std::string();
      const Font f = header ? Font::sans_bold : t.columns[c].font;
      const double size = f == Font::mono ? t.size * 0.95 : t.size;
      out.push_back(Impl::lines_of(m.layout(s, f, size, xs[c + 1] - xs[c] - 2 * kCellPadX, PANGO_ALIGN_LEFT)));
    }
    return out;
  };
  const auto height_of = [](const Cells& cells) {
    double h = 0;
    for (const auto& lines : cells) h = std::max(h, lines.back().bottom - lines.front().top);
    return h + 2 * kCellPadY;
  };
  const Cells header = t.header ? lay_row([&] {
    std::vector<std::string> titles;
    for (const auto& c : t.columns) titles.push_back(c.title);
    return titles;
  }(), true)
                                : Cells{};
  const double header_h = t.header ? height_of(header) : 0;

  // Draws a row fragment: the given lines of each cell, at the cursor, with its grid.
  const auto draw_fragment = [&](const Cells& cells, const std::vector<std::size_t>& from,
                                 const std::vector<std::size_t>& to, bool shaded, bool top_rule) {
    double h = 0;
    for (std::size_t c = 0; c < cells.size(); ++c)
      if (to[c] > from[c]) h = std::max(h, cells[c][to[c] - 1].bottom - cells[c][from[c]].top);
    h += 2 * kCellPadY;
    const double y0 = m.y, y1 = m.y + h;
    if (shaded) m.put_fill(xs.front(), y0, xs.back(), y1, 0.88);
    for (std::size_t c = 0; c < cells.size(); ++c)
      for (std::size_t k = from[c]; k < to[c]; ++k)
        m.put_line(cells[c][k], xs[c] + kCellPadX, y0 + kCellPadY + cells[c][k].baseline - cells[c][from[c]].top);
    if (top_rule) m.put_stroke(xs.front(), y0, xs.back(), y0);
    m.put_stroke(xs.front(), y1, xs.back(), y1);
    for (const double x : xs) m.put_stroke(x, y0, x, y1);
    m.y = y1;
  };
  const auto draw_header = [&] {
    if (!t.header) return;
    std::vector<std::size_t> from(header.size(), 0), to;
    for (const auto& lines : header) to.push_back(lines.size());
    draw_fragment(header, from, to, true, true);
  };

  // The header must have a first row under it on the same page.
  need(header_h + 2 * t.size + 2 * kCellPadY);
  draw_header();
  bool top_of_page = true;  // nothing but the header above the cursor on this page
  const double fresh_room = m.body_bottom() - m.body_top() - header_h;
  for (const auto& row : t.rows) {
    const Cells cells = lay_row(row, false);
    std::vector<std::size_t> next(cells.size(), 0);
    bool first_fragment = true;
    for (;;) {
      double remaining = 0;
      bool any = false;
      for (std::size_t c = 0; c < cells.size(); ++c)
        if (next[c] < cells[c].size()) {
          any = true;
          remaining = std::max(remaining, cells[c].back().bottom - cells[c][next[c]].top);
        }
      if (!any) break;
      remaining += 2 * kCellPadY;
      const double room = m.body_bottom() - m.y;
      // A row that fits on a fresh page is moved there whole rather than split.
      if (remaining > room && !top_of_page && (remaining <= fresh_room || room < 3 * t.size)) {
        m.start_page();
        draw_header();
        if (!t.header) m.put_stroke(xs.front(), m.y, xs.back(), m.y);
        top_of_page = true;
        continue;
      }
      std::vector<std::size_t> to = next;
      bool progressed = false;
      for (std::size_t c = 0; c < cells.size(); ++c) {
        if (next[c] >= cells[c].size()) continue;
        const double base = cells[c][next[c]].top;
        while (to[c] < cells[c].size() && cells[c][to[c]].bottom - base + 2 * kCellPadY <= room) ++to[c];
        if (to[c] > next[c]) progressed = true;
      }
      if (!progressed)  // one line taller than the whole page: place it anyway rather than loop
        for (std::size_t c = 0; c < cells.size(); ++c)
          if (next[c] < cells[c].size()) to[c] = next[c] + 1;
      draw_fragment(cells, next, to, false, !t.header && first_fragment && top_of_page);
      first_fragment = false;
      top_of_page = false;
      next = to;
      bool done = true;
      for (std::size_t c = 0; c < cells.size(); ++c) done = done && next[c] >= cells[c].size();
      if (done) break;
      m.start_page();
      draw_header();
      top_of_page = true;
    }
  }
  m.y += 8;
}

void Typesetter::space(double points) {
  Impl& m = *impl_;
  if (m.y > m.body_top() + 0.01) m.y = std::min(m.y + points, m.body_bottom());
}

void Typesetter::rule() {
  Impl& m = *impl_;
  need(6);
  m.put_stroke(m.setup.left, m.y + 2, m.setup.left + m.body_width(), m.y + 2);
  m.y += 6;
}

void Typesetter::new_page() {
  Impl& m = *impl_;
  if (m.y > m.body_top() + 0.01 || !m.pages.back().empty()) m.start_page();
}

void Typesetter::need(double points) {
  Impl& m = *impl_;
  if (m.y + points > m.body_bottom() && m.y > m.body_top() + 0.01) m.start_page();
}

void Typesetter::finish() {
  Impl& m = *impl_;
  if (m.finished) return;
  m.finished = true;
  const auto meta = [&](cairo_pdf_metadata_t key, const std::string& value) {
    if (!value.empty()) cairo_pdf_surface_set_metadata(m.surface, key, printable(value).c_str());
  };
  meta(CAIRO_PDF_METADATA_TITLE, m.metadata.title);
  meta(CAIRO_PDF_METADATA_AUTHOR, m.metadata.author);
  meta(CAIRO_PDF_METADATA_SUBJECT, m.metadata.subject);
  meta(CAIRO_PDF_METADATA_KEYWORDS, m.metadata.keywords);
  meta(CAIRO_PDF_METADATA_CREATOR, m.metadata.creator);
  meta(CAIRO_PDF_METADATA_CREATE_DATE, m.metadata.create_date);
  meta(CAIRO_PDF_METADATA_MOD_DATE, m.metadata.create_date);
  // Bookmarks: level-1 headings at the top, level-2 under the level-1 before them.
  int parent = CAIRO_PDF_OUTLINE_ROOT;
  for (const auto& o : m.outlines) {
    const std::string dest = fmt::format("page={} pos=[{:.1f} {:.1f}]", o.page, m.setup.left, o.y);
    const int id = cairo_pdf_surface_add_outline(m.surface, o.level <= 1 ? CAIRO_PDF_OUTLINE_ROOT : parent,
                                                 o.text.c_str(), dest.c_str(), CAIRO_PDF_OUTLINE_FLAG_OPEN);
    if (o.level <= 1) parent = id;
  }
  for (std::size_t i = 0; i < m.pages.size(); ++i) {
    m.draw_page(i);
    m.draw_running(i);
    cairo_show_page(m.cr);
  }
  cairo_surface_finish(m.surface);
  const cairo_status_t status = cairo_surface_status(m.surface);
  if (status != CAIRO_STATUS_SUCCESS)
    throw std::runtime_error(fmt::format("writing the PDF failed ({})", cairo_status_to_string(status)));
}

}  // namespace dnswitness::pdf
