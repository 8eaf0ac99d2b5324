"""Enumerations of the plan (§1.5, §8.3, 附件4, 附件5, DOMAIN.md §5), with Chinese labels and colours."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """§1.5 事件分类, the seven."""

    HEAT_SOURCE_PIPELINE = (
        "heat_source_pipeline",
        "1.5.1 突发性供热热源重大安全事件、供热管线破裂造成的停热事件",
    )
    SABOTAGE_FIRE_DISASTER = (
        "sabotage_fire_disaster",
        "1.5.2 人为破坏、火灾及自然灾害等不可抗拒力造成的重大供热事件或供热设施严重损毁事件",
    )
    EQUIPMENT_FAILURE = "equipment_failure", "1.5.3 因供热设备事件造成的停热事件"
    ENTERPRISE_SHUTDOWN = "enterprise_shutdown", "1.5.4 供热企业因关停、破产等原因引起的停热事件"
    SUPPLY_SHORTAGE = (
        "supply_shortage",
        "1.5.5 供热燃料（煤、气、油等）、水、电等原材料出现短缺造成的大面积停热事件",
    )
    EXTREME_COLD = (
        "extreme_cold",
        "1.5.6 灾害性低温气候，严重威胁供热设施安全和供热质量，造成热负荷大幅度超过供热设施设计能力的连续异常低温气候",
    )
    OTHER = "other", "1.5.7 经政府决定，确需启动供热系统事件应急预案的其他突发性重大供热事件"


CATEGORY_SHORT = {
    "heat_source_pipeline": _("热源事件、管线破裂"),
    "sabotage_fire_disaster": _("人为破坏、火灾、自然灾害"),
    "equipment_failure": _("设备事件"),
    "enterprise_shutdown": _("企业关停、破产"),
    "supply_shortage": _("燃料、水、电短缺"),
    "extreme_cold": _("灾害性低温"),
    "other": _("其他（政府决定）"),
}


class IncidentType(models.TextChoices):
    """§8.3.5 具体包括 (1)–(5), optional."""

    FIRE_EXPLOSION_COLLAPSE = "fire_explosion_collapse", "（1）火灾、爆炸、倒塌"
    MAIN_PIPE_RUPTURE = "main_pipe_rupture", "（2）干管断裂或突发灾害"
    COMPUTER_SYSTEMS = "computer_systems", "（3）调度、自控、营业等计算机系统遭受入侵、失控、毁坏"
    NATURAL_DISASTER = "natural_disaster", "（4）地震、洪水、滑坡、泥石流等自然灾害"
    WAR_SABOTAGE_TERROR = "war_sabotage_terror", "（5）战争、破坏、恐怖活动"


class Facility(models.TextChoices):
    """§8.3.1, §8.3.5: the facility affected."""

    HEAT_SOURCE_PLANT = "heat_source_plant", "热源厂"
    BOILER_ROOM = "boiler_room", "锅炉房"
    MAIN_NETWORK = "main_network", "供热主管网"
    HEAT_STATION = "heat_station", "热力站"
    SECONDARY_NETWORK = "secondary_network", "二级网"
    COMPUTER_SYSTEM = "computer_system", "计算机系统"


class AccidentGrade(models.TextChoices):
    """附件5 事故分级."""

    GENERAL = "general", "一般事故"
    LARGER = "larger", "较大事故"
    MAJOR = "major", "重大事故"
    EXTRAORDINARY = "extraordinary", "特别重大事故"

    @property
    def rank(self):
        return ["general", "larger", "major", "extraordinary"].index(self.value) + 1


class ResponseLevel(models.IntegerChoices):
    """§5.3: Ⅳ级 lowest … Ⅰ级 highest. Colours: the national emergency-warning colours."""

    I = 1, "Ⅰ级"  # noqa: E741
    II = 2, "Ⅱ级"
    III = 3, "Ⅲ级"
    IV = 4, "Ⅳ级"

    @property
    def colour(self):
        return {1: "red", 2: "orange", 3: "yellow", 4: "blue"}[self.value]

    @property
    def roman(self):
        return {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ"}[self.value]


class State(models.TextChoices):
    """DOMAIN.md §5 lifecycle."""

    REPORTED = "reported", _("已接报")
    ASSESSING = "assessing", _("研判中")
    RESPONDING = "responding", _("响应中")
    RESPONSE_ENDED = "response_ended", _("响应结束")
    AFTERMATH = "aftermath", _("后期处置")
    ARCHIVED = "archived", _("已归档")
    HANDLED_WITHOUT_RESPONSE = "handled_without_response", _("未启动响应（已处置）")
    DISMISSED = "dismissed", _("已撤销（误报或重复）")


ACTIVE_STATES = (State.REPORTED, State.ASSESSING, State.RESPONDING)
CLOSED_STATES = (State.HANDLED_WITHOUT_RESPONSE, State.DISMISSED, State.ARCHIVED)
STATE_COLOURS = {
    "reported": "secondary",
    "assessing": "info",
    "responding": "danger",
    "response_ended": "success",
    "aftermath": "primary",
    "archived": "dark",
    "handled_without_response": "success",
    "dismissed": "light",
}
