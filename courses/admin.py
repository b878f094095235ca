from django.contrib import admin
from django.utils.html import format_html

from courses.models import Course, FAQEntry, GlossaryTerm, KeyPoint, Lesson, Source, Topic


class SourceInline(admin.TabularInline):
    model = Source
    extra = 0


class TopicInline(admin.TabularInline):
    model = Topic
    fields = ["order", "title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    show_change_link = True
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "slug"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [TopicInline, SourceInline]


class KeyPointInline(admin.TabularInline):
    model = KeyPoint
    extra = 0


class LessonInline(admin.TabularInline):
    model = Lesson
    fields = ["order", "title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    show_change_link = True
    extra = 0


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "order", "slug"]
    list_editable = ["order"]
    list_filter = ["course"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [KeyPointInline, LessonInline]


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["title", "topic", "order", "reading_minutes", "preview"]
    list_editable = ["order"]
    list_filter = ["topic__course", "topic"]
    list_select_related = ["topic__course"]
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["sources"]
    readonly_fields = ["anchors_help"]
    fields = ["topic", "title", "slug", "order", "summary", "body", "sources", "anchors_help"]

    @admin.display(description="Preview")
    def preview(self, lesson):
        return format_html(
            '<a href="{}" target="_blank">View rendered</a>', lesson.get_absolute_url()
        )

    @admin.display(description="Section anchors (for question links)")
    def anchors_help(self, lesson):
        if not lesson.pk:
            return "Save the lesson to see its section anchors."
        return ", ".join(f"#{h['anchor']}" for h in lesson.headings) or "No sections yet."


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(admin.ModelAdmin):
    list_display = ["term", "abbreviation", "topic"]
    list_filter = ["course", "topic"]
    search_fields = ["term", "abbreviation", "definition"]
    prepopulated_fields = {"slug": ["term"]}
    filter_horizontal = ["related"]


@admin.register(FAQEntry)
class FAQEntryAdmin(admin.ModelAdmin):
    list_display = ["question", "topic", "order"]
    list_editable = ["order"]
    list_filter = ["topic__course", "topic"]
    search_fields = ["question", "answer"]
    prepopulated_fields = {"slug": ["question"]}


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["publisher", "title", "published", "course"]
    search_fields = ["title", "publisher"]
