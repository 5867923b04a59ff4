#pragma once
// A small typesetter for the court report: A4 pages drawn with cairo's PDF surface and pango
// layouts (Noto CJK fonts, embedded as subsets by cairo). It flows paragraphs and tables down the
// page and breaks them across pages line by line: a table repeats its header on every page it
// continues on, a cell taller than a page is split between pages, and nothing is drawn outside the
// body box. Running header (case name, top left; the top-right corner is left empty for the
// exhibit label 甲第○号証) and footer ("n / N") are drawn when the document is finished, once the
// page count is known.
//
// Ownership: owns the cairo surface and every layout until finish(). Not thread-safe; one document
// per object.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dnswitness::pdf {

inline constexpr double kPointsPerMm = 72.0 / 25.4;
inline constexpr double mm(double v) { return v * kPointsPerMm; }

struct PageSetup {
  double width = mm(210), height = mm(297);  // A4 portrait
  double left = mm(30);                      // binding margin: court documents want about 30 mm
  double right = mm(20);
  double top = mm(35);                       // the exhibit label goes in the top-right corner
  double bottom = mm(22);
};

struct Metadata {
  std::string title, author, subject, keywords, creator;
  std::string create_date;  // ISO 8601, e.g. 2026-11-28T12:27:57Z
};

enum class Font { serif, serif_bold, sans, sans_bold, mono };

struct TextStyle {
  Font font = Font::serif;
  double size = 12;
  double space_before = 0;
  double space_after = 6;
  double indent = 0;          // left indent of the whole paragraph
  double first_indent = 0;    // extra indent of the first line (negative for a hanging indent)
  double line_spacing = 1.0;  // a factor on the font's line height (pango's default when 1.0)
  bool boxed = false;         // a thin frame around the paragraph (for text to copy)
};

struct Column {
  std::string title;
  double weight = 1;  // share of the body width
  Font font = Font::sans;
};

struct Table {
  std::vector<Column> columns;
  std::vector<std::vector<std::string>> rows;
  double size = 9;
  bool header = true;
  double indent = 0;
};

class Typesetter {
 public:
  // Writes the PDF to the open descriptor `fd` (borrowed; it must outlive the Typesetter), which
  // cairo is given as a stream, never as a path. Throws std::runtime_error when cairo cannot.
  Typesetter(int fd, PageSetup setup, Metadata metadata, std::string language);
  ~Typesetter();
  Typesetter(const Typesetter&) = delete;
  Typesetter& operator=(const Typesetter&) = delete;

  // Text drawn on every page: top left (the case) and bottom left (the title).
  void set_running_text(std::string header_left, std::string footer_left);

  // A paragraph of plain text (no markup); '\n' breaks lines.
  void text(std::string_view s, const TextStyle& style);
  // A heading: kept on the page with at least `keep` points of what follows, and added to the
  // PDF's outline (bookmarks) at `level` (1 or 2).
  void heading(std::string_view s, int level);
  void table(const Table& t);
  void space(double points);
  void rule();
  void new_page();
  // Starts a new page unless `points` of body height remain.
  void need(double points);

  double body_width() const;
  std::size_t pages() const;

  // Draws every page with its running header and footer ("n / N"), sets the metadata and writes
  // the file. Throws std::runtime_error when the file cannot be written.
  void finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dnswitness::pdf
