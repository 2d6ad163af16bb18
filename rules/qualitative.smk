# Qualitative strand (themes, quotes, intercoder agreement, activity diaries).
