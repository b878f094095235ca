from courses import markdown


def test_script_tags_in_a_lesson_are_shown_as_text():
    html = markdown.render("Hello <script>alert(1)</script> world").html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_raw_html_blocks_are_escaped():
    html = markdown.render('<div onclick="steal()">x</div>\n\n<img src=x onerror=alert(1)>').html
    assert "<div" not in html and "<img" not in html
    assert "&lt;img" in html


def test_javascript_links_are_not_rendered_as_links():
    html = markdown.render("[click](javascript:alert(1)) and [ok](https://example.com)").html
    assert 'href="javascript' not in html
    assert 'href="https://example.com"' in html


def test_headings_get_stable_anchors_and_duplicates_are_numbered():
    rendered = markdown.render("## Front office and back office\n\n## Remember\n\n## Remember\n")
    anchors = [h.anchor for h in rendered.headings]
    assert anchors == ["front-office-and-back-office", "remember", "remember-2"]
    assert '<h2 id="front-office-and-back-office">' in rendered.html


def test_a_stray_top_level_heading_is_demoted_below_the_page_title():
    assert "<h1" not in markdown.render("# Title\n\ntext", top_level=2).html


def test_table_cells_carry_their_column_header_for_narrow_screens():
    html = markdown.render(
        "| Factor | BPO | KPO |\n|---|---|---|\n| Skills | Process | Expert |\n"
    ).html
    assert '<td data-label="BPO">Process</td>' in html
    assert '<table class="table">' in html


def test_reading_time_rounds_up_to_whole_minutes():
    assert markdown.render("word " * 201).reading_minutes == 2
    assert markdown.render("word").reading_minutes == 1


def test_plain_and_html_formats_never_pass_markup_through():
    assert (
        markdown.render_text("<b>bold</b> & co", "plain")
        == "<p>&lt;b&gt;bold&lt;/b&gt; &amp; co</p>"
    )
    assert markdown.render_text("<b>bold</b> text", "html") == "<p>bold text</p>\n"


def test_a_details_block_hides_its_answer_until_tapped():
    html = markdown.render(
        "## Self-test\n\n::: details What does *KPO* stand for?\n"
        "Knowledge **Process** Outsourcing.\n:::\n\nAfter."
    ).html
    assert (
        "<details>\n<summary>What does <em>KPO</em> stand for?</summary>\n"
        "<p>Knowledge <strong>Process</strong> Outsourcing.</p>\n</details>\n<p>After.</p>"
    ) in html


def test_a_details_block_still_escapes_raw_html():
    html = markdown.render("::: details <b onclick=x>Q</b>\n<script>alert(1)</script>\n:::").html
    assert "<script>" not in html and "<b " not in html
    assert "&lt;script&gt;" in html and "&lt;b onclick=x&gt;Q&lt;/b&gt;" in html


def test_a_details_block_without_a_summary_or_close_is_handled():
    assert "<details>" not in markdown.render(":::\ntext\n:::").html
    assert markdown.render("::: details Q\nA").html.endswith("<p>A</p>\n</details>\n")
