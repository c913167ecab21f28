"""Knowledge articles (Markdown with front matter); a package only so the .md files ship in wheels."""
