"""UAV123.

Publication: A Benchmark and Simulator for UAV Tracking, Mueller, Smith and Ghanem, ECCV 2016.
Download: https://ivul.kaust.edu.sa/Pages/pub-benchmark-simulator-uav.aspx

On disk: ``<uav_path>/data_seq/UAV123/<video>/<frame:06d>.jpg`` and ``<uav_path>/anno/UAV123/<seq>.txt``
(comma-separated ``x,y,w,h``; ``NaN`` rows where the target is absent). Long videos are split into
several sequences (``bird1_1``, ``bird1_2``...) sharing one frame folder.
"""
from pytracking.evaluation._infolist import InfoListDataset
from pytracking.evaluation.attributes import AttributeDatasetMixin

# seq|startFrame|endFrame|object_class[|frame folder when it differs from seq] (benchmark data: 123 sequences)
_UAV_TABLE = """
bike1|1|3085|vehicle
bike2|1|553|vehicle
bike3|1|433|vehicle
bird1_1|1|253|bird|bird1
bird1_2|775|1477|bird|bird1
bird1_3|1573|2437|bird|bird1
boat1|1|901|vessel
boat2|1|799|vessel
boat3|1|901|vessel
boat4|1|553|vessel
boat5|1|505|vessel
boat6|1|805|vessel
boat7|1|535|vessel
boat8|1|685|vessel
boat9|1|1399|vessel
building1|1|469|other
building2|1|577|other
building3|1|829|other
building4|1|787|other
building5|1|481|other
car1_1|1|751|car|car1
car1_2|751|1627|car|car1
car1_3|1627|2629|car|car1
car10|1|1405|car
car11|1|337|car
car12|1|499|car
car13|1|415|car
car14|1|1327|car
car15|1|469|car
car16_1|1|415|car|car16
car16_2|415|1993|car|car16
car17|1|1057|car
car18|1|1207|car
car1_s|1|1475|car
car2|1|1321|car
car2_s|1|320|car
car3|1|1717|car
car3_s|1|1300|car
car4|1|1345|car
car4_s|1|830|car
car5|1|745|car
car6_1|1|487|car|car6
car6_2|487|1807|car|car6
car6_3|1807|2953|car|car6
car6_4|2953|3925|car|car6
car6_5|3925|4861|car|car6
car7|1|1033|car
car8_1|1|1357|car|car8
car8_2|1357|2575|car|car8
car9|1|1879|car
group1_1|1|1333|person|group1
group1_2|1333|2515|person|group1
group1_3|2515|3925|person|group1
group1_4|3925|4873|person|group1
group2_1|1|907|person|group2
group2_2|907|1771|person|group2
group2_3|1771|2683|person|group2
group3_1|1|1567|person|group3
group3_2|1567|2827|person|group3
group3_3|2827|4369|person|group3
group3_4|4369|5527|person|group3
person1|1|799|person
person10|1|1021|person
person11|1|721|person
person12_1|1|601|person|person12
person12_2|601|1621|person|person12
person13|1|883|person
person14_1|1|847|person|person14
person14_2|847|1813|person|person14
person14_3|1813|2923|person|person14
person15|1|1339|person
person16|1|1147|person
person17_1|1|1501|person|person17
person17_2|1501|2347|person|person17
person18|1|1393|person
person19_1|1|1243|person|person19
person19_2|1243|2791|person|person19
person19_3|2791|4357|person|person19
person1_s|1|1600|person
person2_1|1|1189|person|person2
person2_2|1189|2623|person|person2
person20|1|1783|person
person21|1|487|person
person22|1|199|person
person23|1|397|person
person2_s|1|250|person
person3|1|643|person
person3_s|1|505|person
person4_1|1|1501|person|person4
person4_2|1501|2743|person|person4
person5_1|1|877|person|person5
person5_2|877|2101|person|person5
person6|1|901|person
person7_1|1|1249|person|person7
person7_2|1249|2065|person|person7
person8_1|1|1075|person|person8
person8_2|1075|1525|person|person8
person9|1|661|person
truck1|1|463|truck
truck2|1|385|truck
truck3|1|535|truck
truck4_1|1|577|truck|truck4
truck4_2|577|1261|truck|truck4
uav1_1|1|1555|aircraft|uav1
uav1_2|1555|2377|aircraft|uav1
uav1_3|2473|3469|aircraft|uav1
uav2|1|133|aircraft
uav3|1|265|aircraft
uav4|1|157|aircraft
uav5|1|139|aircraft
uav6|1|109|aircraft
uav7|1|373|aircraft
uav8|1|301|aircraft
wakeboard1|1|421|person
wakeboard10|1|469|person
wakeboard2|1|733|person
wakeboard3|1|823|person
wakeboard4|1|697|person
wakeboard5|1|1675|person
wakeboard6|1|1165|person
wakeboard7|1|199|person
wakeboard8|1|1543|person
wakeboard9|1|355|person
"""


def uav_sequence_info_list():
    """The 123 UAV123 sequences as dicts (``name, path, startFrame, endFrame, nz, ext, anno_path, object_class``)."""
    infos = []
    for line in _UAV_TABLE.strip().splitlines():
        fields = line.split('|')
        seq, start, end, cls = fields[:4]
        folder = fields[4] if len(fields) > 4 else seq
        infos.append(dict(name='uav_' + seq, path='data_seq/UAV123/' + folder, startFrame=int(start),
                          endFrame=int(end), nz=6, ext='jpg', anno_path='anno/UAV123/{}.txt'.format(seq),
                          object_class=cls))
    return infos


class UAVDataset(AttributeDatasetMixin, InfoListDataset):
    """UAV123 dataset; path from ``env_settings().uav_path`` (env ``PYTRACKING_UAV_PATH``).

    args:
        attribute: Keep only the sequences with this attribute (short or long name; see
            ``dataset_attribute_specs/UAV123_attributes.json``).
    """

    dataset_name = 'uav'
    path_setting = 'uav_path'
    anno_delimiter = ','
    attribute_spec = 'UAV123'
    attribute_key_prefix = 'uav_'

    def _info_list(self):
        return uav_sequence_info_list()
