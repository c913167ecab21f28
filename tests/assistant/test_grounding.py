from decimal import Decimal

from assistant.grounding import reply_numbers, ungrounded
from assistant.masking import mask, mask_confirmation


def test_reply_numbers_read_brazilian_formats():
    nums = reply_numbers("Ontem você consumiu 8,4 kWh (R$ 1.234,56) em 12/10/2026, 5,2% a mais.")
    assert (Decimal("8.4"), 1) in nums
    assert (Decimal("1234.56"), 2) in nums
    assert (Decimal("5.2"), 1) in nums
    assert (Decimal("2026"), 0) in nums


def test_ungrounded_detects_a_made_up_figure():
    result = {"total_kwh": "8.4321", "cost_brl": "1234.561", "share": 0.052, "day": "2026-10-12"}
    assert ungrounded("Você consumiu 8,4 kWh, R$ 1.234,56, 5,2% em 12/10/2026.", [result]) == []
    assert ungrounded("Você consumiu 9,1 kWh.", [result]) == ["9.1"]
    # a number the customer wrote is not invented by the assistant
    assert ungrounded("Sobre os 3 cortes que você citou...", [result], user_text="a luz caiu 3 vezes") == []


def test_masking_hides_personal_data():
    s = mask("meu cpf é 529.982.247-25 e meu telefone (19) 99001-0001, meu nome é Maria Souza")
    assert "529" not in s and "99001" not in s and "Maria" not in s
    assert mask_confirmation("4725") == "[####]"
